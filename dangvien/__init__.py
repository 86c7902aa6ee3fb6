"""dangvien: party-member development work for a city or province committee."""
