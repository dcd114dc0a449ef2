"""CSV import and export of health records (health events, lameness scores, weights), farmOS-log style."""
