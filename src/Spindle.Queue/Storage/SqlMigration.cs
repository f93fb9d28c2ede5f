namespace Spindle.Queue.Storage;

/// <summary>One numbered schema migration of a store (<see cref="EmbeddedSql.Migrations"/>).</summary>
internal sealed record SqlMigration(int Version, string Name, string Sql);
