import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('reports a server that dies after writing more once ready, with how it ended', async () => {
    // A stand-in server: its ready line, then more output (unbuffered Python writes pieces too),
    // then it runs until killed.
    const server = join(mkdtempSync(join(tmpdir(), 'server-')), 'server.sh');
    writeFileSync(server, "#!/bin/sh\nprintf 'ready http://127.0.0.1:9\\n'\nsleep 0.2\nprintf 'more\\n'\nexec sleep 60\n");
    chmodSync(server, 0o755);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const emulator = await startEmulator({ python: server });
    await new Promise((resolve) => setTimeout(resolve, 1000));

    process.kill(emulator.pid, 'SIGKILL');

    await expect(emulator.unexpectedExit).resolves.toBe('signal SIGKILL');
    expect(stderr).toHaveBeenCalledWith(`The emulator stopped unexpectedly (signal SIGKILL). Its log: ${emulator.logFile}\n`);
    stderr.mockRestore();
  });
});
