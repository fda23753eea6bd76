"""Hotline case desk: the backend of the stress hotline and the managers' hotline."""
