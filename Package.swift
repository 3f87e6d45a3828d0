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
    ],
    targets: [
        // MARK: AWS wire layer
        .target(
            name: "AWSSigV4",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "AWSXML", dependencies: ["CLibXML2"], swiftSettings: strictSettings),
        .target(name: "HTTPTransport", swiftSettings: strictSettings),
        .target(
            name: "AWSCredentialProviders",
            dependencies: ["AWSSigV4", "HTTPTransport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AWSCore",
            dependencies: [
                "AWSSigV4", "AWSXML", "HTTPTransport", "AWSCredentialProviders",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "AWSServices", dependencies: ["AWSCore", "AWSXML", "HTTPTransport", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSettings),

        // MARK: The engine (knows nothing about AWS, GitHub, HTTP or SQL)
        .target(name: "ResourceGraph", swiftSettings: strictSettings),
        .target(name: "Blueprint", dependencies: ["Yams", "ResourceGraph"], swiftSettings: strictSettings),
        .target(name: "Orchestrator", dependencies: ["ResourceGraph", "Blueprint"], swiftSettings: strictSettings),

        // MARK: State stores
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "StateStoreSQLite", dependencies: ["Orchestrator", "CSQLite"], swiftSettings: strictSettings),

        // MARK: Where the engine meets AWS
        .target(
            name: "Providers",
            dependencies: ["Orchestrator", "Blueprint", "AWSCore", "AWSServices"],
            swiftSettings: strictSettings
        ),

        // MARK: GitHub
        .target(
            name: "GitHub",
            dependencies: [
                "HTTPTransport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: prenv serve: webhook intake, per-PR workers, commit statuses (no HTTP framework here)
        .target(
            name: "Supervisor",
            dependencies: ["Orchestrator", "Blueprint", "GitHub", "HTTPTransport", "Yams", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // The HTTP routes over Supervisor: the only target that knows Hummingbird.
        .target(
            name: "WebServer",
            dependencies: [
                "Supervisor", "Orchestrator", "HTTPTransport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The executable (composition root)
        .executableTarget(
            name: "prenv",
            dependencies: [
                "AWSCore", "AWSServices", "AWSCredentialProviders", "Blueprint", "ResourceGraph", "Orchestrator", "Providers", "StateStoreSQLite",
                "GitHub", "Supervisor", "WebServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Tests
        .target(
            name: "LocalAWSSupport",
            dependencies: ["AWSCore", "HTTPTransport", "AWSSigV4", "AWSCredentialProviders", "TestServices"],
            path: "Tests/LocalAWSSupport",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PrenvBenchmarks",
            dependencies: [
                "AWSCore", "AWSServices", "AWSSigV4", "HTTPTransport", "LocalAWSSupport", "ResourceGraph", "SeededRandom",
                "Supervisor", "WebServer", "StateStoreSQLite", "Orchestrator", "WebhookSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Benchmarks",
            swiftSettings: strictSettings
        ),
        .target(name: "SeededRandom", path: "Tests/SeededRandom", swiftSettings: strictSettings),
        .target(name: "TestServices", dependencies: ["HTTPTransport"], path: "Tests/TestServices", swiftSettings: strictSettings),
        .target(name: "WebhookSupport", dependencies: ["GitHub", "LocalAWSSupport"], path: "Tests/WebhookSupport", swiftSettings: strictSettings),
        .testTarget(
            name: "PrenvTests",
            dependencies: ["LocalAWSSupport", "WebhookSupport", "TestServices", "HTTPTransport", "AWSCore", "AWSServices", "Blueprint", "SeededRandom"],
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
        .testTarget(name: "GitHubTests", dependencies: ["GitHub", "HTTPTransport", "TestServices"], swiftSettings: strictSettings),
        .testTarget(
            name: "SupervisorTests",
            dependencies: ["Supervisor", "Orchestrator", "Blueprint", "GitHub", "HTTPTransport", "StateStoreSQLite", "WebhookSupport", "Providers"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "OrchestratorTests", dependencies: ["Orchestrator", "Blueprint", "ResourceGraph", "Providers"], swiftSettings: strictSettings),
        .testTarget(name: "BlueprintTests", dependencies: ["Blueprint", "SeededRandom", "Providers"], swiftSettings: strictSettings),
        .testTarget(name: "AWSSigV4Tests", dependencies: ["AWSSigV4"], swiftSettings: strictSettings),
        .testTarget(name: "AWSXMLTests", dependencies: ["AWSXML", "SeededRandom"], swiftSettings: strictSettings),
        .testTarget(
            name: "AWSCredentialProvidersTests",
            dependencies: ["AWSCredentialProviders", "HTTPTransport", "LocalAWSSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AWSCoreTests",
            dependencies: ["AWSCore", "AWSXML", "LocalAWSSupport"],
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
