/// Properties that point outside the environment in ways `.existing` names do not capture, and what a
/// blueprint read from a repository may write in them. A server-side blueprint's author is the
/// operator and may use them freely; a repository's is not, so each is closed or tied to the
/// operator's `allow_templates`:
/// - `aws/codepipeline` `replace_projects`: each value runs in the cloned pipeline with the PR's
///   source, so it must be this blueprint's own project (`${x.outputs.name}`) or an allowed literal;
///   `keep_actions` keeps a template's action verbatim, role and target included: refused.
/// - `aws/cloudformation-stack`: the stack may create anything its role allows, so `role_arn` is
///   required (and, being `.existing`, allowed by `allow_templates`), the template must be an allowed
///   `template_file` (an inline `template_body` would bypass that), and no `capabilities` (IAM, macros).
/// - `aws/s3-prefix` `bucket` and `aws/codebuild-project` `artifacts_location`: where the environment
///   writes (and, for the prefix, what its teardown deletes under): an allowed literal.
enum RepositoryRestrictions {
    enum Rule {
        /// Not allowed at all.
        case refused(String)
        /// Must be present.
        case required(String)
        /// A literal matching `allow_templates`.
        case allowedLiteral
        /// Each value of the map: `${<resource>.outputs.name}` of this blueprint, or an allowed literal.
        case ownOutputOrAllowedLiteral
    }

    static let rules: [String: [(property: String, rule: Rule)]] = [
        "aws/codepipeline": [
            ("replace_projects", .ownOutputOrAllowedLiteral),
            ("keep_actions", .refused("keeps a template's action verbatim, with its role and target")),
        ],
        "aws/cloudformation-stack": [
            ("role_arn", .required("without it the stack acts with prenv's own credentials")),
            ("template_body", .refused("an inline template is not checked against `allow_templates`; use `template_file`")),
            ("capabilities", .refused("lets the stack create IAM resources or run macros")),
        ],
        "aws/s3-prefix": [("bucket", .allowedLiteral)],
        "aws/codebuild-project": [("artifacts_location", .allowedLiteral)],
    ]
}

extension BlueprintDecoder {
    mutating func checkRestrictedProperties(_ resource: DecodedResource, kind: ResourceKind, anchor: SourcePosition) {
        guard let repository else { return }
        for (property, rule) in RepositoryRestrictions.rules[kind.type.rawValue] ?? [] {
            let value = resource.properties[property]
            let location = resource.propertyLocations[property] ?? anchor
            let noun = "`\(property)` of resource `\(resource.id)` (\(kind))"
            switch rule {
            case .refused(let why):
                guard value != nil else { continue }
                diagnostics.error(location, "\(noun) is not allowed in a blueprint read from \(repository.repository): it \(why)")
            case .required(let why):
                guard value == nil else { continue }
                diagnostics.error(anchor, "\(noun) is required in a blueprint read from \(repository.repository): \(why)")
            case .allowedLiteral:
                guard let value else { continue }
                checkAllowedLiteral(value.template, noun: noun, at: location)
            case .ownOutputOrAllowedLiteral:
                guard case let .map(entries) = value else { continue }
                for key in entries.keys.sorted() {
                    guard let template = entries[key]?.template else { continue }
                    if template.segments.count == 1, case .reference(.output(_, "name")) = template.segments[0] { continue }
                    checkAllowedLiteral(template, noun: "\(noun) `\(key)`", at: location)
                }
            }
        }
    }

    private mutating func checkAllowedLiteral(_ template: Template?, noun: String, at location: SourcePosition) {
        guard let repository else { return }
        guard let literal = template?.literalValue else {
            diagnostics.error(location, "\(noun) must be written out in full (no `${…}`) in a blueprint read from \(repository.repository), "
                + "so the operator's `allow_templates` can be checked against it")
            return
        }
        guard !repository.policy.allows(template: literal) else { return }
        diagnostics.error(location, "`\(literal)` (\(noun)) is not allowed for blueprints read from \(repository.repository): "
            + "it matches none of the operator's `allow_templates` (\(Self.described(repository.policy.allowTemplates)))")
    }
}
