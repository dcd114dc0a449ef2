"""Re-identification: one-to-one track-to-animal assignment per time window, and the embedding pool policy.

Pure numpy; the pgvector side lives in `app/identity`.
"""
