import AWSCore
import AWSCredentialProviders
import HTTPTransport
import AWSServices
import Foundation
import Logging

/// Runs the doctor's checks in order; later checks are skipped when the basics (region, credentials) fail.
/// The state is checked whatever AWS says.
struct Doctor: Sendable {
    let environment: [String: String]
    let transport: any HTTPSender
    let logger: Logger
    let bucket: String?
    /// `--state`; nil: `PRENV_STATE`, else the default SQLite file.
    var stateURL: String? = nil
    /// `--timeout`, for the PostgreSQL connection.
    var timeoutSeconds = 10

    func run() async -> [DoctorCheck] {
        await awsAndGitHub() + [await state()]
    }

    func awsAndGitHub() async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let aws: AWSEnvironment
        do {
            aws = try AWSEnvironment.resolve(environment: environment, transport: transport, logger: logger)
        } catch {
            let github = await githubChecks()
            return [.fail("region", error.message)] + AWSService.all.map { .skip($0.name, "no AWS configuration") } + github
        }
        checks.append(.ok("region", "\(aws.region.name) (from \(aws.region.source))"))
        checks.append(endpoints(aws.endpoints))
        do {
            let resolved = try await aws.chain.resolve()
            checks.append(.ok("credentials", "\(resolved.providerName): access key \(Self.maskedKey(resolved.credentials.accessKeyID))"))
        } catch {
            checks.append(.fail("credentials", String(describing: error)))
            let github = await githubChecks()
            return checks + AWSService.all.map { .skip($0.name, "no credentials") } + github
        }
        let client = aws.makeClient(transport: transport, retryPolicy: RetryPolicy(maxAttempts: 2), logger: logger)
        checks += await serviceChecks(client)
        checks += await githubChecks()
        return checks
    }

    func endpoints(_ endpoints: AWSEndpoints) -> DoctorCheck {
        let custom = AWSService.all.filter { endpoints.isCustom($0) }
        if custom.isEmpty { return .ok("endpoints", "AWS public endpoints in \(endpoints.region)") }
        let urls = Set(custom.map { endpoints.url(for: $0).absoluteString })
        if urls.count == 1, custom.count == AWSService.all.count, let url = urls.first {
            return .ok("endpoints", "every service → \(url) (custom endpoint)")
        }
        return .ok("endpoints", custom.map { "\($0.name) → \(endpoints.url(for: $0).absoluteString)" }.joined(separator: ", "))
    }

    func serviceChecks(_ client: AWSClient) async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        var account = "unknown"
        do {
            let identity = try await STS(client: client).getCallerIdentity()
            account = identity.account
            checks.append(.ok("sts", "GetCallerIdentity: account \(identity.account), \(identity.arn)"))
        } catch let error as AWSError {
            checks.append(.fail("sts", Self.describe(error)))
        } catch {
            checks.append(.fail("sts", "GetCallerIdentity: \(error)"))
        }
        let probe = "prenv-doctor-probe-\(account)".lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" }
        checks.append(await check("s3", "HeadBucket \(bucket ?? probe)", notFoundMeans: "reachable; bucket does not exist") {
            try await S3(client: client).headBucket(bucket ?? probe)
        })
        checks.append(await check("codebuild", "BatchGetProjects", notFoundMeans: "reachable") {
            _ = try await CodeBuild(client: client).batchGetProjects(names: [probe])
        })
        checks.append(await check("codepipeline", "GetPipeline", notFoundMeans: "reachable") {
            _ = try await CodePipeline(client: client).getPipeline(name: probe)
        })
        checks.append(await check("cloudformation", "DescribeStacks", notFoundMeans: "reachable") {
            _ = try await CloudFormation(client: client).describeStacks(stackName: probe)
        })
        // Orphan hunting finds resources by their `prenv:instance` tag; a probe value matches none.
        checks.append(await check("tagging", "GetResources", notFoundMeans: "reachable") {
            _ = try await ResourceGroupsTagging(client: client).getResources(
                resourceTypeFilters: ["codepipeline:pipeline"], tagFilters: [.init(key: "prenv:instance", values: [probe])], resourcesPerPage: 1)
        })
        return checks
    }

    /// A read of something that does not exist still proves the signature and permissions were accepted.
    func check(_ name: String, _ operation: String, notFoundMeans: String, _ body: () async throws -> Void) async -> DoctorCheck {
        do {
            try await body()
            return .ok(name, "\(operation): ok")
        } catch let error as AWSError where error.isNotFound {
            return .ok(name, "\(operation): \(notFoundMeans)")
        } catch let error as AWSError {
            return .fail(name, Self.describe(error))
        } catch {
            return .fail(name, "\(operation): \(error)")
        }
    }

    static func describe(_ error: AWSError) -> String {
        var text = "\(error.operation): \(error.code)"
        if !error.message.isEmpty { text += ": \(error.message)" }
        if let status = error.httpStatus { text += " (HTTP \(status))" }
        return text
    }

    /// `AKIA…WXYZ`: enough to tell keys apart, never the whole id.
    static func maskedKey(_ key: String) -> String {
        key.count <= 8 ? "…" : "\(key.prefix(4))…\(key.suffix(4))"
    }
}
