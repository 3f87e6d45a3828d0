import Foundation

/// `status.target_url`: the link of the environment's commit status, built so a pull request cannot
/// point it somewhere else. A branch name is the PR author's to choose (`evil.com/x`, `a#b`, `u@h`),
/// and the link sits under the repository's own check, so where it leads must be the blueprint's.
///
/// The rule, checked at load and again on every render:
/// - The scheme (`http`/`https`) and the host (with any port) are fixed by the blueprint: either
///   written literally (`https://preview.example.com/${pr.number}/`), or taken whole from one
///   resource output that starts the template (`${site.outputs.SiteURL}/docs`). A context variable
///   (`${pr.head.ref}`, …) may not start the URL nor sit inside the host (no per-branch subdomains).
/// - An output may be the host because outputs come from AWS, computed from what the blueprint
///   declares (the stack template is read from the blueprint's folder at load, never from the PR).
///   A blueprint that feeds a PR value into a stack output it then uses as the link has chosen that
///   value for the host: the loader cannot see into the stack, so that rule is the author's.
/// - Every interpolated value after the host is percent-encoded for the component it lands in (path,
///   query, fragment): only `A-Z a-z 0-9 - . _ ~` stay as they are, so a value never adds `/`, `?`,
///   `#`, `@` or `:`; a value that is only dots (`..`) is encoded whole so it is no dot segment.
/// - The rendered URL is parsed and its scheme, host and port compared to the fixed ones; any
///   difference refuses the link (the status is posted without one and a warning logged).
public enum StatusTargetURL {
    public enum Rendered: Sendable, Equatable {
        case url(URL)
        /// An output it names is not known yet.
        case unresolved([Reference])
        /// Not a safe link; the reason is for the log.
        case refused(String)
    }

    /// Why `template` cannot be a `status.target_url`, or nil when it can.
    public static func loadProblem(_ template: Template) -> String? {
        switch template.segments.first {
        case nil:
            return "`status.target_url` is empty"
        case .reference(.context)?:
            return "`status.target_url` must start with a literal http(s)://HOST/ or a resource output: a context variable such as "
                + "`${pr.head.ref}` is chosen by the pull request's author and must not choose where the link leads"
        case .reference(.output)?:
            return nil
        case let .literal(head)?:
            guard origin(ofLiteralHead: head, isWhole: template.segments.count == 1) != nil else {
                return "`status.target_url` must start with http:// or https:// and a literal host ended by `/`, `?` or `#` "
                    + "before any `${…}`: an interpolated value must not become part of the host"
            }
            return nil
        }
    }

    /// Renders `template` for one PR: values encoded per component, the result's origin checked.
    public static func render(_ template: Template, context: PRContext, blueprint: String, outputs: [String: [String: String]]) -> Rendered {
        let unresolved = template.render(context: context, blueprint: blueprint, outputs: outputs).unresolved
        guard unresolved.isEmpty else { return .unresolved(unresolved) }
        let resolve = { (reference: Reference) -> String in
            switch reference {
            case let .context(variable): context.value(of: variable, blueprint: blueprint)
            case let .output(resource, key): outputs[resource]?[key] ?? ""
            }
        }
        var text = ""
        var expected: Origin?
        var component = Component.path
        for (index, segment) in template.segments.enumerated() {
            switch segment {
            case let .literal(part):
                if index == 0 {
                    guard let origin = origin(ofLiteralHead: part, isWhole: template.segments.count == 1) else {
                        return .refused("`status.target_url` has no literal http(s) scheme and host")
                    }
                    expected = origin
                }
                text += part
                component = component.after(part)
            case let .reference(reference):
                let value = resolve(reference)
                if index == 0, case .output = reference {
                    // The output is the base URL, used as AWS gave it; its origin becomes the fixed one.
                    guard let parsed = URLComponents(string: value), let origin = Origin(parsed) else {
                        return .refused("output \(reference) is not an absolute http(s) URL")
                    }
                    expected = origin
                    text += value
                    component = component.after(value)
                } else {
                    text += encode(value, for: component)
                }
            }
        }
        guard let expected, let parsed = URLComponents(string: text), let url = parsed.url, let actual = Origin(parsed) else {
            return .refused("rendered `status.target_url` is not an absolute http(s) URL")
        }
        guard actual == expected else {
            return .refused("rendered `status.target_url` leads to \(actual) instead of \(expected)")
        }
        return .url(url)
    }

    /// Scheme, host and port, compared case-insensitively.
    struct Origin: Equatable, CustomStringConvertible {
        var scheme: String
        var host: String
        var port: Int?

        init?(_ components: URLComponents) {
            guard let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = components.host?.lowercased(), !host.isEmpty else { return nil }
            self.scheme = scheme
            self.host = host
            port = components.port
        }

        var description: String { "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "") }
    }

    /// The origin of the literal text a template starts with, when that text holds a whole
    /// authority: ended by `/`, `?` or `#`, or by the end of a template with nothing interpolated.
    static func origin(ofLiteralHead head: String, isWhole: Bool) -> Origin? {
        guard let schemeEnd = head.range(of: "://") else { return nil }
        let afterScheme = head[schemeEnd.upperBound...]
        guard isWhole || afterScheme.contains(where: { "/?#".contains($0) }) else { return nil }
        let authorityEnd = afterScheme.firstIndex(where: { "/?#".contains($0) }) ?? head.endIndex
        return URLComponents(string: String(head[..<authorityEnd])).flatMap(Origin.init)
    }

    /// Where in the URL the text written so far ends, judged by the blueprint's literal characters.
    enum Component {
        case path, query, fragment

        func after(_ literal: String) -> Component {
            var current = self
            for character in literal {
                if character == "#" { current = .fragment } else if character == "?", current == .path { current = .query }
            }
            return current
        }
    }

    /// Percent-encodes all but RFC 3986's unreserved characters (the same set in every component,
    /// so a value cannot end a path segment, start a query or a fragment, or split `key=value&`).
    static func encode(_ value: String, for component: Component) -> String {
        if component == .path, !value.isEmpty, value.allSatisfy({ $0 == "." }) {
            return String(repeating: "%2E", count: value.count)
        }
        var encoded = ""
        for byte in value.utf8 {
            let scalar = Unicode.Scalar(byte)
            if ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || "-._~".unicodeScalars.contains(scalar) {
                encoded.unicodeScalars.append(scalar)
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
