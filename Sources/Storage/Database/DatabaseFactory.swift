import Logging

/// Opens the database a `CAREERAI_DATABASE_URL` names: `sqlite:PATH` or `postgres://…`.
public enum DatabaseFactory {
    public static func open(url: String, logger: Logger, postgresLimits: PostgresDatabase.Limits = .init()) throws
        -> any SQLDatabase
    {
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }  // sqlite:///abs/path and sqlite:./rel both work
            return try SQLiteDatabase(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return PostgresDatabase(url: url, limits: postgresLimits, logger: logger)
        }
        throw StorageError.unavailable("unsupported database URL (use sqlite:PATH or postgres://…)")
    }
}
