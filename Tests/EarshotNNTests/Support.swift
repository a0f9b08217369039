// Every file of this test target sees the shared test helpers (TestPaths) without importing them.
@_exported import EarshotTestSupport
