// The Secrets Manager client and command the key gate uses, imported in one place like
// ./cloudformation (see aws.ts for why).
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
