// The stack's outputs, as deploy and rotate print them at their end. Outputs hold IDs and URLs,
// never a key value (the template's outputs name the key by its ID and its secret by its ARN).
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack } from '../../lambda/rotation';
import { type Output, paint } from './output';

export async function printOutputs(cloudformation: CloudFormationClient, stackName: string, output: Output): Promise<void> {
  const outputs = (await describeStack(cloudformation, stackName)).Outputs ?? [];
  if (outputs.length === 0) return;
  output.line();
  output.line(paint(output, 'bold', 'Outputs'));
  const width = Math.max(...outputs.map((o) => (o.OutputKey ?? '').length));
  for (const { OutputKey = '', OutputValue = '' } of outputs) output.line(`  ${OutputKey.padEnd(width)}  ${OutputValue}`);
}
