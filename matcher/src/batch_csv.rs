//! The CSV form of a batch (SPEC §3): the column names of `merchants.csv`
//! and `terminals.csv`, in the order the generator writes them. One list,
//! shared by the hub that reads batches and the generator that writes them.

/// `merchants.csv` columns, in order.
pub const MERCHANT_CSV_COLUMNS: [&str; 22] = [
    "merchant_id",
    "name",
    "uscc",
    "mcc",
    "address",
    "region_code",
    "lat",
    "lng",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_number",
    "legal_rep_phone",
    "contact_phone",
    "account_number",
    "account_name",
    "account_bank",
    "account_kind",
    "onboarded_at",
    "status",
    "termination_reason",
    "terminated_at",
    "photos",
];

/// The `merchants.csv` columns a file must have (the required §3 fields).
pub const REQUIRED_MERCHANT_CSV_COLUMNS: [&str; 8] = [
    "merchant_id",
    "name",
    "mcc",
    "address",
    "legal_rep_name",
    "legal_rep_id_number",
    "account_number",
    "account_name",
];

/// `terminals.csv` columns, in order; `merchant_id` and `terminal_id` are required.
pub const TERMINAL_CSV_COLUMNS: [&str; 7] = [
    "merchant_id",
    "terminal_id",
    "sn",
    "vendor",
    "model",
    "lat",
    "lng",
];
