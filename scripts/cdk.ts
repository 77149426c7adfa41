// `cloudfront-api-key-rotation/cdk`: the AWS CDK construct (README, "With the AWS CDK"). Bundled
// into dist/cdk.js with every package left external: aws-cdk-lib and constructs are the app's own
// (peer dependencies), so that its constructs and this one are of one library.
export { InvalidOptionError, RotatingOriginKey, UnresolvedOptionError, type RotatingOriginKeyOptions, type RotatingOriginKeyProps } from './cdk/rotating-origin-key';
export { RuleViolatedError } from './cdk/fold-template';
