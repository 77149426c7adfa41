// The CloudFormation client and commands, imported in one place: esbuild emits a require() per
// importing module, and the functions' inline code has a size limit (see aws.ts).
export {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Output,
  type Parameter,
  type RollbackConfiguration,
  type Stack,
} from '@aws-sdk/client-cloudformation';
