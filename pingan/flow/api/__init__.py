"""REST API of the case engine: /api/v1/cases/…"""
