"""The service's own pages (home, navigation, accessibility, health) and the demo data.

This package sits at the top of the house: it may import every app, and no app imports it.
"""
