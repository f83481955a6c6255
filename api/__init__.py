"""Vigía: cases of organized sexual violence in schools, and the State's compliance with court orders."""
