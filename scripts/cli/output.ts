// Where the CLI writes, and whether it may colour: colour only on a terminal, and never when
// NO_COLOR is set (https://no-color.org).

export interface Output {
  line(text?: string): void;
  error(text: string): void;
  colour: boolean;
}

export function consoleOutput(stream: NodeJS.WriteStream = process.stdout, env = process.env): Output {
  return {
    line: (text = '') => stream.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
    colour: Boolean(stream.isTTY) && !('NO_COLOR' in env),
  };
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Style = keyof typeof CODES;

export function paint(output: Output, style: Style, text: string): string {
  return output.colour ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}
