import Foundation
import Yams

/// Rules that involve more than one property, or the file system.
extension BlueprintDecoder {
    /// CloudFormation rejects an inline `TemplateBody` over 51,200 bytes.
    static let maxTemplateBodyBytes = 51_200

    mutating func checkRules(of resource: DecodedResource, type: ResourceType, entries: [MappingEntry], anchor: SourcePosition) {
        let entry: (String) -> MappingEntry? = { key in entries.first { $0.key == key } }
        let what = "resource `\(resource.id)` (\(type))"
        switch type {
        case .codeBuildProject:
            let inline = ResourceType.codeBuildInline
            let spelled = "`source`, `environment` and `service_role`"
            if let template = entry("template") {
                for key in inline { if let conflicting = entry(key) {
                    diagnostics.error(conflicting.keyLocation, "property `\(key)` conflicts with `template` (line \(template.keyLocation.line)): copy an existing project or define one inline, not both")
                } }
            } else if inline.allSatisfy({ entry($0) == nil }) {
                diagnostics.error(anchor, "\(what) needs `template` (an existing project to copy) or an inline definition with \(spelled)")
            } else {
                for key in inline where entry(key) == nil {
                    diagnostics.error(anchor, "\(what) is missing required property `\(key)`: an inline definition needs \(spelled)")
                }
            }
        case .cloudFormationStack:
            let file = entry("template_file"), body = entry("template_body")
            if let file, let body {
                diagnostics.error(body.keyLocation, "property `template_body` conflicts with `template_file` (line \(file.keyLocation.line)): give one of them")
            } else if file == nil, body == nil {
                diagnostics.error(anchor, "\(what) needs `template_file` or `template_body`")
            }
            if let file, let path = resource.properties["template_file"]?.template?.literalValue {
                readTemplateFile(path, at: file.value.location)
            }
        case .codePipeline:
            if let entry = entry("github_oauth_token_env"), let name = entry.value.text {
                checkEnvironmentVariableName(name, at: entry.value.location)
            }
        case .s3Prefix:
            break
        }
    }

    /// Reads a stack template now, so a typo in the path fails the blueprint, not an apply.
    private mutating func readTemplateFile(_ path: String, at location: SourcePosition) {
        let resolved = path.hasPrefix("/") ? path : (baseDirectory as NSString).appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            diagnostics.error(location, "template file `\(path)` not found (looked for `\(resolved)`)")
            return
        }
        guard data.count <= Self.maxTemplateBodyBytes else {
            diagnostics.error(location, "template file `\(path)` is \(data.count) bytes; CloudFormation accepts at most \(Self.maxTemplateBodyBytes) bytes inline")
            return
        }
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.error(location, "template file `\(path)` is not UTF-8 text")
            return
        }
        templateFiles[path] = text
    }

    /// The property names a variable holding the token, never the token: a token in a blueprint
    /// ends up in git history, logs and plans. The value is not echoed in case it is a token.
    private mutating func checkEnvironmentVariableName(_ name: String, at location: SourcePosition) {
        let tokenPrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
        let isHex40 = name.count == 40 && name.unicodeScalars.allSatisfy { $0.isASCIIDigit || ("a"..."f").contains($0) }
        if tokenPrefixes.contains(where: name.hasPrefix) || isHex40 {
            diagnostics.error(location, "property `github_oauth_token_env` looks like a GitHub token: store the token in an environment variable and write that variable's name here")
            return
        }
        let scalars = Array(name.unicodeScalars)
        let valid = scalars.first.map { $0.isASCIILetter || $0 == "_" } ?? false
            && scalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" }
        if !valid {
            diagnostics.error(location, "property `github_oauth_token_env` must be the name of an environment variable ([A-Za-z_][A-Za-z0-9_]*)")
        }
    }
}
