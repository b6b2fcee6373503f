"""Business events: written to PostgreSQL with the data that causes them (module ``events``), delivered to PostHog.

``ids`` gives events derived from tenantdb's own data a stable id, ``ingest`` counts e-mail delivery outcomes per
tenant and day, ``records`` records revenue impacts and strategic decisions, ``retention`` drops old months.
"""
