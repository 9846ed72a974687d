package pynum

// Precision is the number of significant digits of Python's default decimal
// context (ROUND_HALF_EVEN), which bilancio uses for every Decimal operation.
const Precision = 28
