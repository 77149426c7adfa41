// jest's global setup: the broker that lends each worker its emulator (emulator-broker.ts).
import { startBroker } from './emulator-broker';

export default startBroker;
