import Blueprint

extension ResourceType {
    public static let cloudFormationStack: ResourceType = "aws/cloudformation-stack"
}

extension ProviderKind {
    /// `aws/cloudformation-stack`: see `CloudFormationStackProvider`.
    public static let cloudFormationStack = ProviderKind(
        resource: ResourceKind(
            type: .cloudFormationStack,
            summary: "A CloudFormation stack. Optional: an environment need not have one (see `api-no-stack.yaml`).",
            properties: [
                .string("stack_name", required: true, name: .sanitized(.cloudFormationStack), "CloudFormation name rules; sanitised."),
                PropertySchema(
                    name: "template_file",
                    kind: .file(FileProperty(renderedInto: "template_body", maxBytes: maxTemplateBodyBytes, noun: "template file",
                                             limitReason: "CloudFormation accepts at most \(maxTemplateBodyBytes) bytes inline")),
                    summary: """
                    Path **relative to the blueprint file**; must exist when the blueprint loads. Read once at load; at \
                    most 51,200 bytes. Not interpolated.
                    """),
                PropertySchema(name: "template_body", kind: .verbatim, summary: """
                    The template inline. **Verbatim**: `${AWS::Region}` and other `Fn::Sub` syntax reach CloudFormation \
                    untouched.
                    """),
                PropertySchema(name: "parameters", kind: .stringMap, summary: "Stack parameters."),
                PropertySchema(name: "capabilities", kind: .choiceList(capabilities), summary: "Any of "
                    + capabilities.map { "`\($0)`" }.joined(separator: ", ") + ".", documentedDefault: "`[]`"),
                .string("role_arn", name: .existing(.iamRoleARN), """
                    ARN of a CloudFormation service role, sent as `RoleARN` on every create and update. CloudFormation \
                    then creates the template's resources as that role, so prenv's own identity needs only \
                    `iam:PassRole` on it (see `infra/iam/README.md`). Omitted: CloudFormation acts with prenv's \
                    credentials.
                    """),
            ],
            rules: [
                .exactlyOne([.init(["template_file"], described: "`template_file`"), .init(["template_body"], described: "`template_body`")],
                            conflict: "give one of them"),
            ],
            outputs: OutputSchema(fixed: ["stack_id"], open: .any(described: "every output the template declares, by its key"), summary: """
                `stack_id`, plus every output the template declares, by its key (`${site.outputs.SiteURL}`).
                Since those depend on the template, any key is accepted at load time.
                """),
            // A stack's name is its identity: a new name is a new stack.
            immutableProperties: ["stack_name"]
        ),
        makeProvider: { CloudFormationStackProvider(client: $0.client, waiter: $0.waiter) },
        makeDiscovery: { CloudFormationStackDiscovery(client: $0.client) }
    )

    /// CloudFormation rejects an inline `TemplateBody` over 51,200 bytes.
    static let maxTemplateBodyBytes = 51_200
    static let capabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
}

extension NamingRule {
    public static let cloudFormationStack = NamingRule.characters(
        noun: "CloudFormation stack name", rule: "1–128 characters matching [a-zA-Z][-a-zA-Z0-9]*", length: 1...128,
        allowed: { isASCIIAlphanumeric($0) || $0 == "-" }, first: isASCIILetter, sanitizedFirst: isASCIILetter
    )
}
