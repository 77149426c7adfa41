// jest's global teardown: stops the broker and the emulators it lent (emulator-broker.ts).
import { stopBroker } from './emulator-broker';

export default stopBroker;
