import SeededRandom
import Foundation
import Testing
@testable import Blueprint

/// Sanitised names always fit their service, stay distinct and never change between runs.
@Suite struct NameTests {
    /// The services' rules, written independently of `AWSNameKind.isValid` as regular expressions.
    static func satisfiesServiceRule(_ name: String, _ kind: AWSNameKind) -> Bool {
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

    @Test(arguments: AWSNameKind.allCases)
    func everySanitisedNameFitsItsService(kind: AWSNameKind) {
        for input in Self.inputs {
            let name = kind.sanitize(input)
            #expect(Self.satisfiesServiceRule(name, kind), "\(kind) of \(input.debugDescription) gave \(name.debugDescription)")
            #expect(name.count <= kind.maxLength)
            #expect(kind.isValid(name))
            #expect(kind.sanitize(input) == name, "sanitising is stable")
            #expect(kind.sanitize(name) == name, "sanitising is idempotent")
        }
    }

    @Test(arguments: [AWSNameKind.codePipeline, .codeBuild, .cloudFormationStack, .s3Bucket])
    func distinctInputsStayDistinct(kind: AWSNameKind) {
        let inputs = Array(Set(Self.inputs))
        let names = Set(inputs.map(kind.sanitize))
        #expect(names.count == inputs.count)
    }

    @Test(arguments: AWSNameKind.allCases)
    func truncationAppendsAHashOfTheWholeInput(kind: AWSNameKind) {
        let stem = String(repeating: "a", count: 600)
        let first = kind.sanitize(stem + "1"), second = kind.sanitize(stem + "2")
        #expect(first != second)
        #expect(first.count <= kind.maxLength && second.count <= kind.maxLength)
        #expect(first.contains(StableHash.short(stem + "1")))
    }

    @Test func validNamesPassUnchanged() {
        #expect(AWSNames.codePipeline("My.Pipeline@v2_x-y") == "My.Pipeline@v2_x-y")
        #expect(AWSNames.codeBuild("Build_1-x") == "Build_1-x")
        #expect(AWSNames.cloudFormationStack("Site-1") == "Site-1")
        #expect(AWSNames.s3Bucket("acme.previews-1") == "acme.previews-1")
        #expect(AWSNames.s3KeyPrefix("site/pr-5/") == "site/pr-5/")
    }

    @Test func sanitisingExamples() {
        let hash = StableHash.short("feature/login")
        #expect(AWSNames.codePipeline("feature/login") == "feature-login-\(hash)")
        #expect(AWSNames.cloudFormationStack("feature/login") == "feature-login-\(hash)")
        #expect(AWSNames.s3Bucket("Feature/Login") == "feature-login-\(StableHash.short("Feature/Login"))")
        #expect(AWSNames.cloudFormationStack("🚀") == "h\(StableHash.short("🚀"))")
        #expect(AWSNames.s3KeyPrefix("site/pr-5") == "site/pr-5/", "only the trailing slash is added")
        #expect(AWSNames.s3KeyPrefix("site/../x y") == "site/x-y-\(StableHash.short("site/../x y"))/")
    }

    @Test func stableHashMatchesPublishedFNVVectors() {
        #expect(StableHash.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
        #expect(StableHash.short("a").count == 8)
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
                    for kind in [AWSNameKind.codePipeline, .codeBuild, .cloudFormationStack, .s3Bucket] {
                        #expect(Self.satisfiesServiceRule(name, kind))
                    }
                }
            }
        }
    }
}
