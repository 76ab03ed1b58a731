"""SCIM resources as JSON: parsing a request into the directory's values, rendering rows as resources."""
