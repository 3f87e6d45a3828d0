import AWSCore

/// AWS Resource Groups Tagging API (JSON 1.1, signing name `tagging`): only `GetResources`, which
/// finds resources of many services by tag in one listing. prenv uses it to find everything an
/// instance tagged, whatever its state store remembers. Every call throws what `AWSClient.send`
/// throws: `AWSError`, or `CancellationError` when cancelled.
public struct ResourceGroupsTagging: Sendable {
    public let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    /// A resource must carry `key`, with one of `values` when any are given.
    public struct TagFilter: Encodable, Sendable, Hashable {
        public var key: String
        public var values: [String]

        public init(key: String, values: [String] = []) {
            self.key = key
            self.values = values
        }

        enum CodingKeys: String, CodingKey {
            case key = "Key"
            case values = "Values"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            if !values.isEmpty { try container.encode(values, forKey: .values) }
        }
    }

    /// One resource and every tag it carries.
    public struct ResourceTagMapping: Sendable, Hashable {
        public var resourceARN: String
        public var tags: [String: String]

        public init(resourceARN: String, tags: [String: String]) {
            self.resourceARN = resourceARN
            self.tags = tags
        }
    }

    struct Tag: Decodable {
        var key: String
        var value: String
        enum CodingKeys: String, CodingKey {
            case key = "Key"
            case value = "Value"
        }
    }

    struct Mapping: Decodable {
        var resourceARN: String
        var tags: [Tag]?
        enum CodingKeys: String, CodingKey {
            case resourceARN = "ResourceARN"
            case tags = "Tags"
        }
    }

    struct GetResourcesInput: Encodable {
        var resourceTypeFilters: [String]?
        var tagFilters: [TagFilter]?
        var resourcesPerPage: Int?
        var paginationToken: String?
        enum CodingKeys: String, CodingKey {
            case resourceTypeFilters = "ResourceTypeFilters"
            case tagFilters = "TagFilters"
            case resourcesPerPage = "ResourcesPerPage"
            case paginationToken = "PaginationToken"
        }
    }

    struct GetResourcesOutput: Decodable {
        var resourceTagMappingList: [Mapping]?
        var paginationToken: String?
        enum CodingKeys: String, CodingKey {
            case resourceTagMappingList = "ResourceTagMappingList"
            case paginationToken = "PaginationToken"
        }
    }

    /// AWS's largest page (`ResourcesPerPage` is 1…100).
    public static let maxResourcesPerPage = 100

    /// GetResources over every page (until AWS answers an empty or absent `PaginationToken`).
    ///
    /// - Parameters:
    ///   - resourceTypeFilters: `service[:resourceType]` as in ARNs (`codepipeline:pipeline`); empty is every type.
    ///   - tagFilters: all must match (AWS ANDs them).
    ///   - resourcesPerPage: page size, 1…100; nil is AWS's default.
    public func getResources(
        resourceTypeFilters: [String] = [], tagFilters: [TagFilter] = [], resourcesPerPage: Int? = nil
    ) async throws -> [ResourceTagMapping] {
        var found: [ResourceTagMapping] = []
        var token: String?
        var seenTokens: Set<String> = []
        repeat {
            try Task.checkCancellation()
            let input = GetResourcesInput(
                resourceTypeFilters: resourceTypeFilters.isEmpty ? nil : resourceTypeFilters,
                tagFilters: tagFilters.isEmpty ? nil : tagFilters, resourcesPerPage: resourcesPerPage, paginationToken: token)
            let page = try await client.json(.tagging, "GetResources", input, as: GetResourcesOutput.self)
            for mapping in page.resourceTagMappingList ?? [] {
                let tags = Dictionary((mapping.tags ?? []).map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
                found.append(ResourceTagMapping(resourceARN: mapping.resourceARN, tags: tags))
            }
            token = page.paginationToken.flatMap { $0.isEmpty ? nil : $0 }
            if let next = token {
                // A token handed back twice would loop forever; an answer that does that is broken.
                guard seenTokens.insert(next).inserted else {
                    throw AWSError(service: AWSService.tagging.name, operation: "GetResources", code: AWSError.ClientCode.invalidResponse,
                                   message: "GetResources returned the same PaginationToken twice")
                }
            }
        } while token != nil
        return found
    }
}
