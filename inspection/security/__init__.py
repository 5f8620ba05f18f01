"""Security: one-line security log, sign-in throttling and audit, response headers, error pages.

Signal receivers are connected by InspectionConfig.ready (inspection/apps.py).
"""
