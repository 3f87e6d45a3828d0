import Telemetry
import Testing
