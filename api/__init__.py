"""The versioned JSON API (DOMAIN §11): thin views over the same services and selectors as the pages."""
