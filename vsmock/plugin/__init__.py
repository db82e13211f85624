"""The pytest plugin's parts: the session server, the per-test handle, the marker.

``vsmock.pytest_plugin`` (the ``pytest11`` entry point) holds only the hooks and
fixtures and imports these when a test first asks for a vsmock fixture, so a
test run that never uses vsmock starts as fast as without it installed.
"""
