"""The lobby guide's tablet: the lines that may take a customer's errand, and issuing for them."""
