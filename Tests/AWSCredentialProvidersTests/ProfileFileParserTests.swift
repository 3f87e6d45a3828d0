@testable import AWSCredentialProviders
import Testing

/// The INI dialect of the shared files, per the AWS SDKs' profile-file rules.
@Suite("Shared config file parsing")
struct ProfileFileParserTests {
    let paths = SharedConfigPaths(configFile: "/h/.aws/config", credentialsFile: "/h/.aws/credentials", home: "/h")

    func config(_ config: String?, _ credentials: String? = nil) throws -> AWSSharedConfig {
        try AWSSharedConfig(config: config, credentials: credentials, paths: paths)
    }

    @Test func commentsWhitespaceAndCaseInsensitiveKeys() throws {
        let parsed = try config("""
            # leading comment
            ; another comment
              # indented comment

            [default]   ; comment after a header
            Region   =   eu-west-1   # trailing comment
            output=json;not-a-comment
            CLI_pager =
            [profile dev]#comment
            region=us-east-2
            """)
        #expect(parsed.region(profile: "default") == "eu-west-1")
        #expect(parsed.value("OUTPUT", profile: "default") == "json;not-a-comment")
        #expect(parsed.value("cli_pager", profile: "default") == nil)
        #expect(parsed.region(profile: "dev") == "us-east-2")
        #expect(parsed.region(profile: "missing") == nil)
    }

    @Test func windowsLineEndingsAndByteOrderMark() throws {
        let parsed = try config("\u{FEFF}[default]\r\nregion = ap-south-1\r\n")
        #expect(parsed.region(profile: "default") == "ap-south-1")
    }

    @Test func subPropertiesAndContinuations() throws {
        let parsed = try config("""
            [default]
            s3 =
              addressing_style = path
              Max_Concurrent_Requests = 20 # comment
            note = first
              second line
            """)
        #expect(parsed.subValue("s3", "addressing_style", profile: "default") == "path")
        #expect(parsed.subValue("S3", "max_concurrent_requests", profile: "default") == "20")
        #expect(parsed.value("s3", profile: "default") == nil)
        #expect(parsed.value("note", profile: "default") == "first\nsecond line")
    }

    @Test func configNeedsProfilePrefixAndCredentialsMustNotHaveIt() throws {
        let parsed = try config("""
            [bare]
            region = us-west-1
            [profile prefixed]
            region = us-west-2
            """, """
            [profile wrong]
            aws_access_key_id = AKIDWRONG
            [right]
            aws_access_key_id = AKIDRIGHT
            """)
        #expect(parsed.profiles["bare"] == nil)
        #expect(parsed.region(profile: "prefixed") == "us-west-2")
        #expect(parsed.profiles["wrong"] == nil)
        #expect(parsed.value("aws_access_key_id", profile: "right") == "AKIDRIGHT")
        #expect(parsed.warnings.count == 2)
        #expect(parsed.warnings.contains { $0.hasPrefix("~/.aws/config:1:") && $0.contains("[profile bare]") })
        #expect(parsed.warnings.contains { $0.hasPrefix("~/.aws/credentials:1:") })
    }

    @Test func prefixedDefaultWinsOverBareDefault() throws {
        let parsed = try config("""
            [profile default]
            region = from-prefixed
            [default]
            region = from-bare
            output = text
            """)
        #expect(parsed.region(profile: "default") == "from-prefixed")
        #expect(parsed.value("output", profile: "default") == nil)
    }

    @Test func credentialsFileWinsForTheSameKeyAndBothMerge() throws {
        let parsed = try config("""
            [profile dev]
            region = us-east-1
            aws_access_key_id = AKIDFROMCONFIG
            """, """
            [dev]
            aws_access_key_id = AKIDFROMCREDENTIALS
            """)
        #expect(parsed.value("aws_access_key_id", profile: "dev") == "AKIDFROMCREDENTIALS")
        #expect(parsed.region(profile: "dev") == "us-east-1")
        #expect(parsed.loadedFiles == ["~/.aws/config", "~/.aws/credentials"])
    }

    @Test func repeatedSectionsMergeAndLaterKeysWin() throws {
        let parsed = try config("""
            [profile a]
            region = one
            output = json
            [profile a]
            region = two
            """)
        #expect(parsed.region(profile: "a") == "two")
        #expect(parsed.value("output", profile: "a") == "json")
    }

    @Test func profileNamesAreCaseSensitiveAndValidated() throws {
        let parsed = try config("""
            [profile Dev]
            region = upper
            [profile has space]
            region = ignored
            """)
        #expect(parsed.region(profile: "Dev") == "upper")
        #expect(parsed.region(profile: "dev") == nil)
        #expect(parsed.profiles["has space"] == nil)
    }

    @Test func otherSectionKindsAreKept() throws {
        let parsed = try config("""
            [services local]
            s3 =
              endpoint_url = http://127.0.0.1:4566
            [sso-session corp]
            sso_region = us-east-1
            """)
        #expect(parsed.sections["services"]?["local"]?.properties["s3"]?.subProperties["endpoint_url"] == "http://127.0.0.1:4566")
        #expect(parsed.sections["sso-session"]?["corp"] != nil)
        #expect(parsed.profiles.isEmpty)
    }

    @Test(arguments: [
        ("[default\nregion = x", 1, "must end with ']'"),
        ("region = x\n[default]", 1, "before the first setting"),
        ("[default]\n\nregion x", 3, "expected 'name = value'"),
        ("[default]\n= value", 2, "no name"),
        ("[default]\n  indented = orphan", 2, "does not continue"),
        ("[default]\ns3 =\n  not a setting", 3, "sub-setting"),
        ("[]\n", 1, "empty section"),
    ])
    func malformedLinesReportFileAndLine(text: String, line: Int, message: String) {
        let error = #expect(throws: CredentialError.self) { try config(text) }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.location == "~/.aws/config:\(line)")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }
}
