"""The web pages for advisers and supervisors, served by the same app as the API."""
