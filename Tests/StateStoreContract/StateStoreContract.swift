import Orchestrator
import Testing

/// What every `StateStore` backend must do, as named checks any test target can run against its own
/// store: `InMemoryStateStore` (the reference), SQLite, and later Postgres. A backend passes when
/// every case passes on a fresh, empty store.
///
/// Checks report with `#expect`, so they run inside a Swift Testing test; one parameterised test
/// over `allCases` shows each check by name:
///
///     @Test(arguments: StateStoreContract.allCases)
///     func contract(_ check: StateStoreContract) async throws {
///         try await check.run(on: MyStore())
///     }
public enum StateStoreContract: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case emptyStore
    case roundTripsEveryField
    case saveReplacesWholeRecord
    case saveNodeUpsertsOneNode
    case saveNodeWithoutRecordThrowsNotFound
    case listIsSortedByKey
    case deleteRemovesRecordAndNodes
    case keysDifferingOnlyByRepositoryDoNotCollide
    case concurrentNodeWritesAllLand
    case hostileStringsRoundTrip
    case subSecondDatesKeepMillisecondPrecision
    case instanceIDIsStoredOnceAndKept
    case deploymentsArePerShaAndTheLatestIsTheLastSaved
    case deploymentsAreBoundedPerEnvironment
    case commentIsStoredForgottenAndKeepsItsAuthor
    case gitHubObjectsAreKeyedAndOutliveTheRecord
    case phaseNamesAreEachRecordsPhase

    public var testDescription: String { rawValue }

    /// Runs this check against `store`, which must be empty.
    public func run(on store: any StateStore) async throws {
        switch self {
        case .emptyStore: try await Self.emptyStore(store)
        case .roundTripsEveryField: try await Self.roundTripsEveryField(store)
        case .saveReplacesWholeRecord: try await Self.saveReplacesWholeRecord(store)
        case .saveNodeUpsertsOneNode: try await Self.saveNodeUpsertsOneNode(store)
        case .saveNodeWithoutRecordThrowsNotFound: try await Self.saveNodeWithoutRecordThrowsNotFound(store)
        case .listIsSortedByKey: try await Self.listIsSortedByKey(store)
        case .deleteRemovesRecordAndNodes: try await Self.deleteRemovesRecordAndNodes(store)
        case .keysDifferingOnlyByRepositoryDoNotCollide: try await Self.keysDoNotCollide(store)
        case .concurrentNodeWritesAllLand: try await Self.concurrentNodeWritesAllLand(store)
        case .hostileStringsRoundTrip: try await Self.hostileStringsRoundTrip(store)
        case .subSecondDatesKeepMillisecondPrecision: try await Self.subSecondDates(store)
        case .instanceIDIsStoredOnceAndKept: try await Self.instanceIDIsStoredOnce(store)
        case .deploymentsArePerShaAndTheLatestIsTheLastSaved: try await Self.deploymentsArePerShaAndTheLatestIsTheLastSaved(store)
        case .deploymentsAreBoundedPerEnvironment: try await Self.deploymentsAreBoundedPerEnvironment(store)
        case .commentIsStoredForgottenAndKeepsItsAuthor: try await Self.commentIsStoredForgottenAndKeepsItsAuthor(store)
        case .gitHubObjectsAreKeyedAndOutliveTheRecord: try await Self.gitHubObjectsAreKeyedAndOutliveTheRecord(store)
        case .phaseNamesAreEachRecordsPhase: try await Self.phaseNamesAreEachRecordsPhase(store)
        }
    }

    /// Every check, each on a store of its own from `makeStore`.
    public static func runAll(makeStore: @Sendable () async throws -> any StateStore) async throws {
        for check in allCases {
            try await check.run(on: try await makeStore())
        }
    }
}
