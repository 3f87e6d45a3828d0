import Foundation
import Providers
import SeededRandom
import Testing

@testable import Blueprint

/// The naming rules the providers declare, by name (Swift Testing arguments must be printable).
enum RuleName: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case codePipeline, codeBuild, cloudFormationStack, s3Bucket, s3KeyPrefix

    var rule: NamingRule {
        switch self {
        case .codePipeline: .codePipeline
        case .codeBuild: .codeBuild
        case .cloudFormationStack: .cloudFormationStack
        case .s3Bucket: .s3Bucket
        case .s3KeyPrefix: .s3KeyPrefix
        }
    }

    var testDescription: String { rawValue }
}

/// Sanitised names always fit their service, stay distinct and never change between runs.
@Suite struct NamingRuleTests {
    /// The services' rules, written independently of `NamingRule.isValid` as regular expressions.
    static func satisfiesServiceRule(_ name: String, _ kind: RuleName) -> Bool {
        func full(_ pattern: String) -> Bool {
            name.range(of: "\\A(?:\(pattern))\\z", options: .regularExpression) != nil
        }
        switch kind {
        case .codePipeline: return full("[A-Za-z0-9.@_-]{1,100}")
        case .codeBuild: return full("[A-Za-z0-9][A-Za-z0-9_-]{1,254}")
        case .cloudFormationStack: return full("[a-zA-Z][-a-zA-Z0-9]{0,127}")
        case .s3Bucket:
            return full("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]") && !name.contains("..") && !full("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+")
                && !["xn--", "sthree-", "amzn-s3-demo-"].contains(where: name.hasPrefix)
                && !["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].contains(where: name.hasSuffix)
        case .s3KeyPrefix:
            return name.count <= 512 && full("([A-Za-z0-9._-]+/)+")
                && !name.split(separator: "/").contains { $0 == "." || $0 == ".." }
        }
    }

    static let hostile: [String] = [
        "feature/login", "../../etc/passwd", "a b; rm -rf / #", "$(reboot)", "`id`", "line\nbreak\r\n", "tab\there",
        "ünïcödé-🚀-ブランチ", String(repeating: "x", count: 250), String(repeating: "é", count: 300), "", "-", "---", ".", "..",
        "...", "-leading", "trailing-", "UPPER_case", "a..b", "192.168.1.1", "10.0.0.1", "xn--abc", "sthree-bucket",
        "amzn-s3-demo-x", "bucket-s3alias", "b--ol-s3", "x.mrap", "\u{0}\u{1}\u{7f}", "refs/heads/main", "@{upstream}",
        "~1^2:", "*?[]", "CON", "a", "ab", "1abc", "@", "_", "//", "/abs/path/", "a//b", "./x", "x/./y", "x/../y",
        "\u{202e}evil", "e\u{301}", "🏳️‍🌈", String(repeating: "ab/", count: 200), String(repeating: "-", count: 300) + "z",
    ]

    /// Strings drawn from a hostile alphabet with a seeded generator, so a failure is reproducible.
    static func randomStrings(count: Int, seed: UInt64) -> [String] {
        let alphabet = Array("abcXYZ019-_./@ :;$`'\"\\\n\t{}[]~^*?éü🚀ब\u{0}\u{301}")
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let length = Int.random(in: 0...300, using: &generator)
            return String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
        }
    }

    static let inputs = hostile + randomStrings(count: 400, seed: 0x5EED)

    @Test(arguments: RuleName.allCases)
    func everySanitisedNameFitsItsService(name kind: RuleName) {
        let rule = kind.rule
        for input in Self.inputs {
            let name = rule.sanitize(input)
            #expect(Self.satisfiesServiceRule(name, kind), "\(kind) of \(input.debugDescription) gave \(name.debugDescription)")
            #expect(name.count <= rule.maxLength)
            #expect(rule.isValid(name))
            #expect(rule.sanitize(input) == name, "sanitising is stable")
            // A valid name stays itself; a sanitised one fed back is hashed again (it can never be
            // taken for an input of its own, so nobody can spell out another input's name).
            let kept = name == input || name == input + "/"  // a key prefix's slash is the one completion
            #expect((rule.sanitize(name) == name) == kept, "\(kind): \(input.debugDescription) → \(name.debugDescription)")
        }
    }

    @Test(arguments: [RuleName.codePipeline, .codeBuild, .cloudFormationStack, .s3Bucket])
    func distinctInputsStayDistinct(name kind: RuleName) {
        let inputs = Array(Set(Self.inputs))
        let names = Set(inputs.map(kind.rule.sanitize))
        #expect(names.count == inputs.count)
    }

    @Test(arguments: RuleName.allCases)
    func truncationAppendsAHashOfTheWholeInput(name: RuleName) {
        let kind = name.rule
        let stem = String(repeating: "a", count: 600)
        let first = kind.sanitize(stem + "1"), second = kind.sanitize(stem + "2")
        #expect(first != second)
        #expect(first.count <= kind.maxLength && second.count <= kind.maxLength)
        #expect(first.contains(StableHash.nameSuffix(stem + "1")))
    }

    @Test func validNamesPassUnchanged() {
        #expect(NamingRule.codePipeline.sanitize("My.Pipeline@v2_x-y") == "My.Pipeline@v2_x-y")
        #expect(NamingRule.codeBuild.sanitize("Build_1-x") == "Build_1-x")
        #expect(NamingRule.cloudFormationStack.sanitize("Site-1") == "Site-1")
        #expect(NamingRule.s3Bucket.sanitize("acme.previews-1") == "acme.previews-1")
        #expect(NamingRule.s3KeyPrefix.sanitize("site/pr-5/") == "site/pr-5/")
    }

    @Test func sanitisingExamples() {
        let hash = StableHash.nameSuffix("feature/login")
        #expect(NamingRule.codePipeline.sanitize("feature/login") == "feature-login-\(hash)")
        #expect(NamingRule.cloudFormationStack.sanitize("feature/login") == "feature-login-\(hash)")
        #expect(NamingRule.s3Bucket.sanitize("Feature/Login") == "feature-login-\(StableHash.nameSuffix("Feature/Login"))")
        #expect(NamingRule.cloudFormationStack.sanitize("🚀") == "h\(StableHash.nameSuffix("🚀"))")
        #expect(NamingRule.s3KeyPrefix.sanitize("site/pr-5") == "site/pr-5/", "only the trailing slash is added")
        #expect(NamingRule.s3KeyPrefix.sanitize("site/../x y") == "site/x-y-\(StableHash.nameSuffix("site/../x y"))/")
    }

    @Test func stableHashMatchesPublishedFNVVectors() {
        #expect(StableHash.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
        #expect(StableHash.short("a").count == 8)
    }

    @Test func nameSuffixIsSHA256AndPinned() {
        // FIPS 180-4 examples, through the suffix's own digest.
        #expect(hex(SHA256Probe.digest("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256Probe.digest("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256Probe.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256Probe.digest(String(repeating: "a", count: 1000)))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        // If this changes, every sanitised name changes: existing environments would be replaced.
        #expect(StableHash.nameSuffix("feature/login") == "61j813w0z68hp", "checked against Python's hashlib")
        #expect(StableHash.nameSuffix("feature/login").count == StableHash.nameSuffixLength)
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// A branch named after another branch's sanitised name is hashed too: no input can spell out
    /// someone else's physical name.
    @Test(arguments: RuleName.allCases)
    func aValidNameShapedLikeASanitisedOneIsHashedToo(name kind: RuleName) {
        let rule = kind.rule
        for victim in ["feature/login", "Fix: the thing", "a..b", "🚀"] {
            let sanitised = rule.sanitize(victim)
            guard sanitised != victim, sanitised != victim + "/" else { continue }  // valid as it was: nothing to forge
            #expect(StableHash.endsLikeNameSuffix(sanitised))
            for spelled in [sanitised, sanitised.hasSuffix("/") ? String(sanitised.dropLast()) : sanitised + "/"] {
                #expect(rule.sanitize(spelled) != sanitised, "\(kind): \(spelled.debugDescription) renders \(victim.debugDescription)'s name")
            }
        }
    }

    /// Branch names built to collide after sanitising stay apart in every rule.
    @Test(arguments: RuleName.allCases)
    func branchesBuiltToCollideStayApart(name kind: RuleName) {
        let branches = ["a/b", "a-b", "a_b", "A/b", "a//b", "a/b/", "a b", "a.b", "a--b", "a/-b", "a\u{0}b", "a\u{301}b", "á/b"]
        let names = branches.map(kind.rule.sanitize)
        let distinct = Dictionary(grouping: zip(branches, names), by: \.1).filter { $0.value.count > 1 }
        // `a/b` and `a/b/` are one prefix (same keys), the one normalisation that is not a change.
        let allowed = kind == .s3KeyPrefix ? 1 : 0
        #expect(distinct.count <= allowed, "\(kind): \(distinct.values.map { $0.map(\.0) })")
    }

    @Test func envNameIsPinnedAcrossRunsAndPlatforms() {
        #expect(AWSNames.envName(repository: "acme/site", pr: 5, blueprint: "webapp")
            == "webapp-site-pr5-\(StableHash.short("acme/site\nwebapp"))")
        #expect(StableHash.short("acme/site\nwebapp") == Self.pinnedHash)
    }

    /// Computed once; if it ever changes, every existing environment would be orphaned.
    static let pinnedHash = "4eahx8ta"

    @Test func envNameSeparatesRepositoriesAndPRs() {
        let name = { (repository: String, pr: Int) in AWSNames.envName(repository: repository, pr: pr, blueprint: "webapp") }
        #expect(name("acme/site", 5) != name("other/site", 5))
        #expect(name("a-b/c", 5) != name("a/b-c", 5))
        #expect(name("acme/site", 5) != name("acme/site", 6))
        #expect(name("acme/site", 5) == name("ACME/Site", 5), "GitHub names are case-insensitive")
        #expect(AWSNames.envName(repository: "acme/site", pr: 5, blueprint: "api") != name("acme/site", 5))
    }

    @Test func envNameIsValidEverywhere() {
        let repositories = ["acme/site", "a/" + String(repeating: "long-name", count: 30), "x/ünï 🚀", "/", "", "Org/Repo.Name_1"]
        let blueprints = ["webapp", "a-very-long-blueprint-name-indeed", "9lives", "", "🚀"]
        for repository in repositories {
            for blueprint in blueprints {
                for pr in [1, 5, 99_999, Int.max, -3] {
                    let name = AWSNames.envName(repository: repository, pr: pr, blueprint: blueprint)
                    #expect(name.count <= AWSNames.envNameMaxLength)
                    #expect(name.range(of: "\\A[a-z][a-z0-9-]*[a-z0-9]\\z", options: .regularExpression) != nil, "\(name)")
                    #expect(!name.contains("--"))
                    for kind in [RuleName.codePipeline, .codeBuild, .cloudFormationStack, .s3Bucket] {
                        #expect(Self.satisfiesServiceRule(name, kind))
                    }
                }
            }
        }
    }

    @Test func hostileBranchesAreSanitisedInNamesButPassedAsIsAsData() throws {
        let blueprint = try #require(try BlueprintLoader.parse(yaml: """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              pipeline:
                type: aws/codepipeline
                properties: { name: "${env.name}-${pr.head.ref}", template: acme-webapp-main }
              site:
                type: aws/cloudformation-stack
                properties: { stack_name: "${pr.head.ref}", template_body: "Resources: {}" }
              artifacts:
                type: aws/s3-prefix
                properties: { bucket: "${pr.head.ref}", prefix: "${repo.name}/${pr.head.ref}", create_bucket: true }
            """, file: "bp.yaml", kinds: ProviderKind.all.resourceKinds))
        for branch in Self.hostile {
            var context = PRContext(owner: "acme", repository: "site", number: 5, headSHA: String(repeating: "a", count: 40), headRef: "", baseRef: "main", author: "octocat")
            context.headRef = branch
            let rendered = blueprint.render(context: context)
            let pipeline = try #require(rendered.resource("pipeline"))
            #expect(Self.satisfiesServiceRule(try #require(pipeline.string("name")), .codePipeline))
            #expect(pipeline.string("branch") == branch)
            #expect(Self.satisfiesServiceRule(try #require(rendered.resource("site")?.string("stack_name")), .cloudFormationStack))
            #expect(Self.satisfiesServiceRule(try #require(rendered.resource("artifacts")?.string("bucket")), .s3Bucket))
            #expect(Self.satisfiesServiceRule(try #require(rendered.resource("artifacts")?.string("prefix")), .s3KeyPrefix))
        }
    }
}

/// The engine's SHA-256, reached through `@testable` for the published vectors.
enum SHA256Probe {
    static func digest(_ text: String) -> [UInt8] { SHA256.hash(Array(text.utf8)) }
}
