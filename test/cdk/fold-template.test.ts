import { RuleViolatedError, foldTemplate } from '../../scripts/cdk/fold-template';

/** A template whose one resource has `properties`, with parameters A (given) and T (left). */
const withProperties = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Parameters: { A: { Type: 'String' }, T: { Type: 'String' } },
  Conditions: { HasA: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'A' }, ''] }] }, HasT: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'T' }, ''] }] } },
  Resources: { Thing: { Type: 'AWS::SNS::Topic', Properties: properties } },
  ...extra,
});
const foldedProperties = (properties: Record<string, unknown>, given = { A: 'a1' }) => foldTemplate(withProperties(properties), given).Resources.Thing.Properties;

describe('foldTemplate', () => {
  it.each([
    ['a given parameter becomes its value', { Ref: 'A' }, 'a1'],
    ['a parameter not given stays a reference', { Ref: 'T' }, { Ref: 'T' }],
    ['a pseudo parameter stays a reference', { Ref: 'AWS::Region' }, { Ref: 'AWS::Region' }],
    ['Fn::Sub of given names only becomes text', { 'Fn::Sub': 'x-${A}-${!Literal}' }, 'x-a1-${Literal}'],
    ['Fn::Sub keeps what CloudFormation resolves', { 'Fn::Sub': '${A}.${AWS::Region}' }, { 'Fn::Sub': 'a1.${AWS::Region}' }],
    ['Fn::Sub variables of given values are written in', { 'Fn::Sub': ['${X}-${Y}', { X: { Ref: 'A' }, Y: { Ref: 'T' } }] }, { 'Fn::Sub': ['a1-${Y}', { Y: { Ref: 'T' } }] }],
    ['Fn::If on a decided condition becomes its branch', { 'Fn::If': ['HasA', 'yes', 'no'] }, 'yes'],
    ['Fn::If on an open condition stays, its branches folded', { 'Fn::If': ['HasT', { Ref: 'A' }, 'no'] }, { 'Fn::If': ['HasT', 'a1', 'no'] }],
    ['Fn::Join of known parts is text', { 'Fn::Join': ['-', [{ Ref: 'A' }, 'b']] }, 'a1-b'],
    ['Fn::Join with an open part stays', { 'Fn::Join': ['-', [{ Ref: 'A' }, { Ref: 'T' }]] }, { 'Fn::Join': ['-', ['a1', { Ref: 'T' }]] }],
    ['Fn::GetAtt stays', { 'Fn::GetAtt': ['Other', 'Arn'] }, { 'Fn::GetAtt': ['Other', 'Arn'] }],
  ])('%s', (_case, value, expected) => {
    expect(foldedProperties({ Value: value }).Value).toEqual(expected);
  });

  it('splits and selects given values as CloudFormation does', () => {
    const value = { 'Fn::Select': [1, { 'Fn::Split': ['/', { Ref: 'A' }] }] };

    expect(foldedProperties({ Value: value }, { A: 'api.example.com/prod' }).Value).toBe('prod');
  });

  it('leaves out a property or list item that a decided Fn::If makes AWS::NoValue', () => {
    const noValueUnlessT = (value: unknown) => ({ 'Fn::If': ['HasA', { Ref: 'AWS::NoValue' }, value] });

    expect(foldedProperties({ Kept: 'k', Dropped: noValueUnlessT('x'), List: ['one', noValueUnlessT('two')] })).toEqual({ Kept: 'k', List: ['one'] });
  });

  it('writes a given value that looks like a Sub variable as text', () => {
    expect(foldedProperties({ Value: { 'Fn::Sub': '${A}/${AWS::Region}' } }, { A: '${Evil}' }).Value).toEqual({ 'Fn::Sub': '${!Evil}/${AWS::Region}' });
  });

  it('leaves out the resources and outputs of a false condition, keeps those of a true one without it, and keeps open ones', () => {
    const template = withProperties({}, {
      Outputs: { IfA: { Condition: 'HasA', Value: 'a' }, IfNotA: { Condition: 'NotA', Value: 'b' }, IfT: { Condition: 'HasT', Value: 't' } },
    });
    template.Conditions = { ...template.Conditions, NotA: { 'Fn::Not': [{ Condition: 'HasA' }] } } as typeof template.Conditions;
    Object.assign(template.Resources, {
      Gone: { Type: 'AWS::SNS::Topic', Condition: 'NotA' },
      Open: { Type: 'AWS::SNS::Topic', Condition: 'HasT', DependsOn: ['Gone', 'Thing'] },
    });

    const folded = foldTemplate(template, { A: 'a1' });

    expect(Object.keys(folded.Resources)).toEqual(['Thing', 'Open']);
    expect(folded.Resources.Open).toEqual({ Type: 'AWS::SNS::Topic', Condition: 'HasT', DependsOn: ['Thing'] });
    expect(folded.Outputs).toEqual({ IfA: { Value: 'a' }, IfT: { Condition: 'HasT', Value: 't' } });
    expect(folded.Conditions).toEqual({ HasT: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'T' }, ''] }] } });
  });

  it('keeps an open condition that names a decided one as what it decides on', () => {
    const template = withProperties({});
    template.Conditions = { ...template.Conditions, Both: { 'Fn::And': [{ Condition: 'HasA' }, { Condition: 'HasT' }] } } as typeof template.Conditions;

    expect(foldTemplate(template, { A: 'a1' }).Conditions.Both).toEqual({ Condition: 'HasT' });
  });

  it('leaves the template it folds as it was', () => {
    const template = withProperties({ Value: { Ref: 'A' } }, { Metadata: { 'AWS::CloudFormation::Interface': { ParameterGroups: [] }, Other: 'kept' } });
    const before = structuredClone(template);

    const folded = foldTemplate(template, { A: 'a1' });

    expect(template).toEqual(before);
    expect(folded.Metadata).toEqual({ Other: 'kept' });
  });

  it('drops the given parameters, the rules, and the mappings nothing reads any more', () => {
    const template = withProperties({ Rate: { 'Fn::FindInMap': ['Schedules', { Ref: 'A' }, 'Rate'] } }, {
      Rules: { AOnly: { Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'A' }, ''] }] }, AssertDescription: 'A is needed' }] } },
      Mappings: { Schedules: { a1: { Rate: 'rate(1 day)' } } },
    });

    const folded = foldTemplate(template, { A: 'a1' });

    expect(folded.Resources.Thing.Properties).toEqual({ Rate: 'rate(1 day)' });
    expect(Object.keys(folded.Parameters)).toEqual(['T']);
    expect(folded).not.toHaveProperty('Rules');
    expect(folded).not.toHaveProperty('Mappings');
  });

  it("refuses values that break a rule, in the rule's own words", () => {
    const template = withProperties({}, {
      Rules: { TNeedsA: { RuleCondition: { 'Fn::Equals': [{ Ref: 'A' }, 'x'] }, Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'T' }, ''] }] }, AssertDescription: 'T goes with A' }] } },
    });

    expect(() => foldTemplate(template, { A: 'x', T: '' })).toThrow(new RuleViolatedError('TNeedsA', 'T goes with A'));
  });

  it('accepts values whose rules hold, or whose rules do not apply', () => {
    const template = withProperties({}, {
      Rules: { TNeedsA: { RuleCondition: { 'Fn::Equals': [{ Ref: 'A' }, 'x'] }, Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'T' }, ''] }] }, AssertDescription: 'T goes with A' }] } },
    });

    expect(() => foldTemplate(template, { A: 'x', T: 't' })).not.toThrow();
    expect(() => foldTemplate(template, { A: 'y', T: '' })).not.toThrow();
  });
});
