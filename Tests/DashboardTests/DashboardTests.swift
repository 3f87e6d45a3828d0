import Dashboard
import Testing
