// swift-tools-version:6.1
import PackageDescription

/// Swift 6 language mode everywhere; `ExistentialAny` keeps protocol costs visible.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "prenv",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "prenv", targets: ["prenv"]),
        // Development tool, not shipped: prints the figures quoted in BENCHMARKS.md.
        .executable(name: "prenv-benchmarks", targets: ["PrenvBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The HTTP server of `prenv serve`. Default traits off: swift-configuration is not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // Already under Hummingbird; named here because the supervisor runs as one of the server's services.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The shared state of several `prenv serve` replicas (`PRENV_STATE=postgres://…`).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Counters, gauges and histograms recorded through the swift-metrics API in every module;
        // the composition root bootstraps the Prometheus backend behind `GET /metrics`.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The dashboard's server-rendered HTML (logic-less templates, escaping by default).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Imports point one way: the engine ← the providers and stores ← prenv serve's logic ← the
        // composition root ← the executable. The engine imports nothing from AWS, GitHub, HTTP or SQL.

        // MARK: The engine
        // A pure DAG: orders, every cycle, a bounded parallel walker that skips what depends on a failure.
        .target(name: "ResourceGraph", swiftSettings: strictSettings),
        // Blueprint YAML → a validated blueprint; errors carry file:line:column. Checked against the kinds it is given.
        .target(name: "Blueprint", dependencies: ["Yams", "ResourceGraph"], swiftSettings: strictSettings),
        // Planner, executor, lifecycle state machine, and the role protocols they need (providers, stores).
        .target(name: "Orchestrator", dependencies: ["ResourceGraph", "Blueprint"], swiftSettings: strictSettings),

        // MARK: The AWS wire layer
        // The SigV4 signer, as a pure value type. HTTPTransport for its RFC 3986 encoder: the signature
        // must escape exactly as the request does.
        .target(
            name: "AWSSigV4",
            dependencies: ["HTTPTransport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // libxml2 behind a small tree/XPath API; nothing else imports libxml2.
        .target(name: "AWSXML", dependencies: ["CLibXML2"], swiftSettings: strictSettings),
        // The HTTP seam every client sends through (libcurl's multi interface in production, stand-ins in tests).
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "HTTPTransport", dependencies: ["CCurl"], swiftSettings: strictSettings),
        // How text from untrusted sources (what a PR's build writes, branch names, AWS's and GitHub's
        // answers) is shown in logs, errors and statuses: one escaping rule for every module.
        .target(name: "UntrustedText", swiftSettings: strictSettings),
        // Every metric prenv records, named once (names, labels, buckets), over the swift-metrics API:
        // modules record through it, the backend is chosen by the composition root.
        .target(name: "Telemetry", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics")], swiftSettings: strictSettings),
        // The credential chain: environment, shared files, IMDSv2, container endpoints.
        .target(
            name: "AWSCredentialProviders",
            dependencies: ["AWSSigV4", "HTTPTransport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // The wire protocols, AWS errors, retries, region and endpoint resolution.
        .target(
            name: "AWSCore",
            dependencies: [
                "AWSSigV4", "AWSXML", "HTTPTransport", "AWSCredentialProviders", "Telemetry",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Thin clients with only the operations prenv uses.
        .target(name: "AWSServices", dependencies: ["AWSCore", "AWSXML", "HTTPTransport", "UntrustedText", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSettings),

        // MARK: Where the engine meets the world
        // The only place the engine meets AWS: one folder per resource kind, each declaring its kind
        // (schema, outputs, immutable properties, naming rules, provider factory); `ProviderKind.all`
        // lists them once.
        .target(
            name: "Providers",
            dependencies: ["Orchestrator", "Blueprint", "AWSCore", "AWSServices", "UntrustedText"],
            swiftSettings: strictSettings
        ),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // glibc's malloc.h: `prenv serve` caps malloc's arenas and trims the heap (`HeapReturn`).
        .systemLibrary(name: "CMalloc"),
        // The embedded state store, webhook inbox and worker records.
        .target(name: "StateStoreSQLite", dependencies: ["Orchestrator", "CSQLite"], swiftSettings: strictSettings),
        // The same stores on PostgreSQL, shared by several replicas, plus what only replicas need:
        // leases with fencing tokens, LISTEN/NOTIFY wake-ups and an advisory-lock leader.
        .target(
            name: "StateStorePostgres",
            dependencies: ["Orchestrator", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // Webhook signatures, `pull_request` payloads, the REST client for statuses and PRs.
        .target(
            name: "GitHub",
            dependencies: [
                // Blueprint for `RepositorySnapshot`, the `.prenv/` folder the blueprint parser reads.
                "HTTPTransport", "UntrustedText", "Telemetry", "Blueprint",
                .product(name: "Crypto", package: "swift-crypto"),
                // RS256 for the GitHub App's JWT (`_RSA.Signing`, PKCS#1 v1.5).
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: prenv serve
        // Webhook intake, per-PR workers, commit statuses: the server's logic, no HTTP framework here.
        .target(
            name: "Supervisor",
            dependencies: ["Orchestrator", "Blueprint", "GitHub", "HTTPTransport", "UntrustedText", "Telemetry", .product(name: "Logging", package: "swift-log"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // The dashboard: every environment and its resource graph as server-rendered HTML and SVG
        // (no JavaScript), from the supervisor's report; every untrusted string escaped on the way.
        .target(
            name: "Dashboard",
            dependencies: ["Supervisor", "Orchestrator", "UntrustedText", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: strictSettings
        ),
        // The HTTP routes over Supervisor.
        .target(
            name: "WebServer",
            dependencies: [
                "Supervisor", "Orchestrator", "HTTPTransport", "Dashboard", "Telemetry",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The composition root
        // Wiring for every command: settings, AWS client and providers, state store, executor, and the
        // server (`buildApplication`, which tests run in-process). The one library that joins the engine
        // to AWS, SQLite, GitHub and HTTP.
        .target(
            name: "PrenvApp",
            dependencies: [
                "AWSCore", "Blueprint", "GitHub", "HTTPTransport", "Orchestrator", "Providers", "StateStoreSQLite", "StateStorePostgres", "Supervisor", "WebServer", "Yams",
                "Telemetry", "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The executable: thin swift-argument-parser commands over the composition root (`doctor` also
        // probes AWS step by step itself, to say which step fails).
        .executableTarget(
            name: "prenv",
            dependencies: [
                "PrenvApp", "AWSCore", "AWSServices", "AWSCredentialProviders", "Blueprint", "GitHub", "HTTPTransport", "Orchestrator", "UntrustedText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `serve` bootstraps the metrics backend once per process, beside the logging one.
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Tests (one test target per source target; shared helpers as targets of their own)
        // The local AWS endpoint (`infra/local/`) as tests see it: clients, admin API, seeds, shared fixtures.
        .target(
            name: "LocalAWSSupport",
            dependencies: ["AWSCore", "HTTPTransport", "AWSSigV4", "AWSCredentialProviders", "TestServices"],
            path: "Tests/LocalAWSSupport",
            swiftSettings: strictSettings
        ),
        // Development tool, not shipped: prints the figures quoted in BENCHMARKS.md.
        .executableTarget(
            name: "PrenvBenchmarks",
            dependencies: [
                "AWSCore", "AWSServices", "AWSSigV4", "HTTPTransport", "LocalAWSSupport", "ResourceGraph", "SeededRandom",
                "Supervisor", "WebServer", "StateStoreSQLite", "StateStorePostgres", "Orchestrator", "WebhookSupport", "GitHub", "TestServices",
                // The intake ratio's bare reference server writes SQLite itself; the transport's heap is read from malloc.
                "CSQLite", "CMalloc",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                // The SigV4 floor: bare SHA-256 and HMAC beside the signer in one run.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/Benchmarks",
            swiftSettings: strictSettings
        ),
        // Reproducible randomness for property-style tests.
        .target(name: "SeededRandom", path: "Tests/SeededRandom", swiftSettings: strictSettings),
        // Starts the local test services (AWS endpoint, GitHub stand-in) as processes on free ports.
        .target(name: "TestServices", dependencies: ["HTTPTransport"], path: "Tests/TestServices", swiftSettings: strictSettings),
        // A logger whose lines tests can read (what an operator would see, and that no secret is in it).
        .target(name: "LogCapture", dependencies: [.product(name: "Logging", package: "swift-log")], path: "Tests/LogCapture", swiftSettings: strictSettings),
        // Signed GitHub webhook deliveries built from GitHub's real payloads.
        .target(name: "WebhookSupport", dependencies: ["GitHub", "LocalAWSSupport"], path: "Tests/WebhookSupport", swiftSettings: strictSettings),
        .testTarget(name: "UntrustedTextTests", dependencies: ["UntrustedText"], swiftSettings: strictSettings),
        // The built `prenv` binary end to end (commands, `serve` over HTTP with local AWS and GitHub stand-ins).
        .testTarget(
            name: "PrenvTests",
            dependencies: ["LocalAWSSupport", "WebhookSupport", "TestServices", "HTTPTransport", "AWSCore", "AWSServices", "Blueprint", "SeededRandom",
                           .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["parse_metrics.py"],  // run by MetricsScrape from its path, not built
            swiftSettings: strictSettings
        ),
        .testTarget(name: "ResourceGraphTests", dependencies: ["ResourceGraph", "SeededRandom"], swiftSettings: strictSettings),
        .testTarget(
            name: "ProvidersTests",
            dependencies: ["Providers", "Orchestrator", "Blueprint", "AWSCore", "AWSServices", "LocalAWSSupport", "SeededRandom"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StateStoreContract",
            dependencies: ["Orchestrator", "Blueprint"],
            path: "Tests/StateStoreContract",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "StateStoreContractTests", dependencies: ["StateStoreContract", "Orchestrator"], swiftSettings: strictSettings),
        .testTarget(
            name: "StateStoreSQLiteTests",
            dependencies: ["StateStoreSQLite", "StateStoreContract", "Orchestrator", "Blueprint", "CSQLite"],
            swiftSettings: strictSettings
        ),
        // Needs the throwaway PostgreSQL server `infra/postgres/with-postgres` starts (PRENV_TEST_POSTGRES_URL).
        .testTarget(
            name: "StateStorePostgresTests",
            dependencies: ["StateStorePostgres", "StateStoreContract", "Orchestrator", "Blueprint", "LogCapture",
                           .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "GitHubTests", dependencies: ["GitHub", "Blueprint", "HTTPTransport", "TestServices", .product(name: "Crypto", package: "swift-crypto"),
                                                     .product(name: "_CryptoExtras", package: "swift-crypto")],
                    swiftSettings: strictSettings),
        .testTarget(
            name: "SupervisorTests",
            dependencies: ["LogCapture", "Supervisor", "Orchestrator", "Blueprint", "GitHub", "HTTPTransport", "StateStoreSQLite", "WebhookSupport", "Providers",
                           "TestServices", "SeededRandom", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // The composition root: settings, setup failures, and serve's routes in-process (HummingbirdTesting).
        .testTarget(
            name: "PrenvAppTests",
            dependencies: ["LogCapture",
                "PrenvApp", "Providers", "Supervisor", "Orchestrator", "Blueprint", "GitHub", "HTTPTransport", "WebhookSupport", "StateStoreSQLite", "WebServer",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // The dashboard's pages rendered from reports (hostile strings as text, SVG geometry).
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Supervisor", "Orchestrator", "Blueprint", "GitHub"], swiftSettings: strictSettings),
        // Metric names and labels, recorded into an in-memory backend.
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry", .product(name: "CoreMetrics", package: "swift-metrics")], swiftSettings: strictSettings),
        // Engine tests read the shipped kinds' descriptions (no AWS call is made).
        .testTarget(name: "OrchestratorTests", dependencies: ["Orchestrator", "Blueprint", "ResourceGraph", "Providers"], swiftSettings: strictSettings),
        .testTarget(name: "BlueprintTests", dependencies: ["Blueprint", "SeededRandom", "Providers"], swiftSettings: strictSettings),
        .testTarget(name: "AWSSigV4Tests", dependencies: ["AWSSigV4"], swiftSettings: strictSettings),
        .testTarget(name: "AWSXMLTests", dependencies: ["AWSXML", "SeededRandom"], swiftSettings: strictSettings),
        .testTarget(
            name: "AWSCredentialProvidersTests",
            dependencies: ["LogCapture", "AWSCredentialProviders", "HTTPTransport", "LocalAWSSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AWSCoreTests",
            dependencies: ["AWSCore", "AWSServices", "AWSXML", "HTTPTransport", "LocalAWSSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AWSServicesTests",
            dependencies: ["AWSServices", "AWSCore", "LocalAWSSupport"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// MARK: Fuzzing (Tests/Fuzz/run builds these with libFuzzer and AddressSanitizer; plain builds get a stub main)
/// One libFuzzer target per untrusted input prenv reads: `Tests/Fuzz/<Name>/`, product `prenv-fuzz-<product>`.
let fuzzTargets: [(name: String, product: String, dependencies: [Target.Dependency])] = [
    ("Webhook", "webhook", ["GitHub", "HTTPTransport", "Supervisor"]),
    ("Blueprint", "blueprint", ["Blueprint", "Providers"]),
    ("XML", "xml", ["AWSXML"]),
    ("AWSErrors", "aws-errors", ["AWSCore", "AWSCredentialProviders", "HTTPTransport", .product(name: "Logging", package: "swift-log")]),
    ("GitHubErrors", "github-errors", ["GitHub"]),
    ("SigV4", "sigv4", ["AWSSigV4"]),
]
package.targets.append(.target(name: "FuzzSupport", path: "Tests/Fuzz/Support", swiftSettings: strictSettings))
for fuzz in fuzzTargets {
    package.products.append(.executable(name: "prenv-fuzz-\(fuzz.product)", targets: ["Fuzz\(fuzz.name)"]))
    package.targets.append(.executableTarget(
        name: "Fuzz\(fuzz.name)", dependencies: ["FuzzSupport"] + fuzz.dependencies, path: "Tests/Fuzz/\(fuzz.name)",
        swiftSettings: strictSettings))
}
