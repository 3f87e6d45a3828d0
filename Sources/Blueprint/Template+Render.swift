/// Substituting values into a template.
extension Template {
    /// Substitutes what `resolve` knows; `value` is `nil` when any reference stayed unresolved
    /// (a half-substituted string is never handed out, since it could look like a real value).
    public func render(_ resolve: (Reference) -> String?) -> (value: String?, unresolved: [Reference]) {
        var text = ""
        var unresolved: [Reference] = []
        for segment in segments {
            switch segment {
            case let .literal(part): text += part
            case let .reference(reference):
                if let value = resolve(reference) { text += value } else if !unresolved.contains(reference) { unresolved.append(reference) }
            }
        }
        return (unresolved.isEmpty ? text : nil, unresolved)
    }

    /// Substitutes the PR's context and the outputs known so far (`outputs[resource][key]`).
    public func render(context: PRContext, blueprint: String, outputs: [String: [String: String]]) -> (value: String?, unresolved: [Reference]) {
        render { reference in
            switch reference {
            case let .context(variable): context.value(of: variable, blueprint: blueprint)
            case let .output(resource, key): outputs[resource]?[key]
            }
        }
    }
}
