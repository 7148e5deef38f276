//! Multi-row statements: the bulk loaders and grouped submissions write hundreds of rows per `INSERT`.

/// Rows per INSERT for a table of `columns` columns: about 1,000 bound values. SQLite finds a numbered
/// parameter's name by walking a list (`sqlite3_bind_parameter_name`, which sqlx calls for each value), so binding
/// costs grow with the square of the values per statement: 400 rows × 36 columns took a second per statement.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (1000 / columns).max(1)
}

/// `($1, $2, …), ($n+1, …)`: the VALUES list of `rows` rows of `columns` numbered parameters.
pub(crate) fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=columns).map(|c| format!("${}", r * columns + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_cell_once() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(1, 1), "($1)");
    }

    #[test]
    fn statements_bind_about_a_thousand_values() {
        assert_eq!(rows_per_statement(36), 27);
        assert_eq!(rows_per_statement(5000), 1);
    }
}
