import Mustache
import Supervisor

/// The pages of `GET /` and `GET /environments/{repo}/{pr}/{blueprint}`, rendered on the server.
public enum Dashboard {}
