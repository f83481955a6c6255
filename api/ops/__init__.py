"""Operations: backups and restores, metrics, structured logs."""
