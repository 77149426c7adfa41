// CloudFormation's size limits on a template, by how a call passes it: in the request
// (TemplateBody) or as the URL of an S3 object (TemplateURL). CloudFormation User Guide, "Understand
// CloudFormation quotas" (template body size in a request; in an Amazon S3 object), and the API
// reference's TemplateBody and TemplateURL of CreateStack, UpdateStack, CreateChangeSet,
// CreateStackSet and UpdateStackSet.
import { TemplateTooLargeError } from './errors';

export const TEMPLATE_LIMITS = {
  /** "a maximum length of 51,200 bytes". */
  TemplateBody: 51_200,
  /** "max size: 1 MB", taken as 1,000,000 bytes, the smaller of its two readings. */
  TemplateURL: 1_000_000,
} as const;

export type TemplatePassing = keyof typeof TEMPLATE_LIMITS;

export function checkTemplateSize(body: string, how: TemplatePassing): void {
  const size = Buffer.byteLength(body);
  if (size > TEMPLATE_LIMITS[how]) throw new TemplateTooLargeError(size, TEMPLATE_LIMITS[how], how);
}
