// Where the CLI writes, and whether it may colour: colour only on a terminal, and never when
// NO_COLOR is set (https://no-color.org). A reader that goes away (`| head -1`) is no failure of
// the command: what it would have read is dropped, and the command goes on to its own exit code.

export interface Output {
  line(text?: string): void;
  error(text: string): void;
  colour: boolean;
}

export function consoleOutput(stream: NodeJS.WriteStream = process.stdout, env = process.env): Output {
  const line = writerOf(stream);
  const error = writerOf(process.stderr);
  return {
    line: (text = '') => line(`${text}\n`),
    error: (text) => error(`${text}\n`),
    colour: Boolean(stream.isTTY) && !('NO_COLOR' in env),
  };
}

/** Writes to `stream` until its reader has closed it (EPIPE), then nothing; other errors stay fatal. */
function writerOf(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Style = keyof typeof CODES;

export function paint(output: Output, style: Style, text: string): string {
  return output.colour ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}
