"""Uploaders: where published files go (`ftp` with ftplib, `local` a folder)."""
