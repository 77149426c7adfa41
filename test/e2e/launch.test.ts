import { existsSync } from 'node:fs';
import { EmulatorStartError, startEmulator } from '../../scripts/emulator/launch';
import { get } from '../../scripts/emulator/local-stack';

jest.setTimeout(60_000);

describe('the emulator launcher', () => {
  it('starts moto on 127.0.0.1 at a free port, and nothing answers there once stopped, nor is its log kept', async () => {
    const emulator = await startEmulator();

    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(`${emulator.endpoint}/moto-api/data.json`)).status).toBe(200);

    await emulator.stop();
    await expect(get(`${emulator.endpoint}/moto-api/data.json`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(existsSync(emulator.logFile)).toBe(false);
  });

  it('says how to install the emulator when it cannot start', async () => {
    const start = startEmulator({ python: '/nonexistent/python' });

    await expect(start).rejects.toBeInstanceOf(EmulatorStartError);
    await expect(start).rejects.toThrow('Run "node scripts/setup.js" to install it.');
  });
});
