// What the demos print and how they end: numbered steps, yes/NO verdicts (a NO fails the run with
// exit code 1), and Ctrl-C stopping the emulator and everything it started (exit code 130).
import { type Output, consoleOutput, paint } from './cli/output';

export interface Walkthrough {
  output: Output;
  step(text: string): void;
  verdict(ok: boolean, text: string): void;
}

export function walkthrough(output: Output = consoleOutput()): Walkthrough {
  return {
    output,
    step: (text) => output.line(`\n${paint(output, 'bold', `== ${text}`)}`),
    verdict: (ok, text) => {
      output.line(`  ${paint(output, ok ? 'green' : 'red', ok ? 'yes' : 'NO')}  ${text}`);
      if (!ok) process.exitCode = 1;
    },
  };
}

export function stopOnInterrupt(emulator: { stop(): Promise<void> }): void {
  process.once('SIGINT', () => emulator.stop().finally(() => process.exit(130)));
}
