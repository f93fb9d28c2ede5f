using Npgsql;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>Both connection string forms, and the password never showing in an error or a description.</summary>
public sealed class PostgresConnectionStringTests
{
    [Theory]
    [InlineData("postgres://app:pa%40ss@db.example:6432/jobs")]
    [InlineData("postgresql://app:pa%40ss@db.example:6432/jobs")]
    [InlineData("Host=db.example;Port=6432;Username=app;Password=pa@ss;Database=jobs")]
    public void Both_forms_name_the_same_server(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(connectionString);

        Assert.Equal(("db.example", 6432, "app", "pa@ss", "jobs"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
        Assert.Equal("postgres://app@db.example:6432/jobs", PostgresConnectionString.Describe(builder));
    }

    [Fact]
    public void A_url_without_a_port_uses_5432_and_its_parameters_become_npgsql_settings()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("postgres://app@[::1]/jobs?sslmode=disable&search_path=tenant_a&application_name=billing&Maximum%20Pool%20Size=7");

        Assert.Equal(("::1", 5432, SslMode.Disable, "tenant_a", "billing", 7),
            (builder.Host, builder.Port, builder.SslMode, builder.SearchPath, builder.ApplicationName, builder.MaxPoolSize));
        Assert.Null(builder.Password);
    }

    [Fact]
    public void Several_hosts_are_kept_for_failover()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse("postgres://app:pw@db1:5432,db2:5433/jobs");

        Assert.Equal("db1:5432,db2:5433", builder.Host);
    }

    [Theory]
    [InlineData("postgres://app:hunter2@db.example:99999/jobs", "port")]
    [InlineData("postgres://app:hunter2@/jobs", "no host")]
    [InlineData("postgres://app:hunter2@db.example/jobs?bogus_setting=hunter2", "parameter 'bogus_setting'")]
    [InlineData("postgres://app:hunter2@db.example/jobs?sslmode=hunter2", "parameter 'sslmode'")]
    [InlineData("Host=db.example;Password=hunter2;Bogus=1", "keyword form")]
    [InlineData("Host=db.example;Password=hunter2;Port=notaport", "keyword form")]
    public void A_bad_string_is_refused_naming_the_part_and_never_the_password(string connectionString, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresConnectionString.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_queue_open_takes_both_forms()
    {
        await using TestSchema schema = await PostgresServer.CreateSchemaAsync();
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(schema.ConnectionString);

        await using (JobQueue url = await JobQueue.OpenAsync(schema.ConnectionString))
        {
            await url.EnqueueAsync("test.job", "{}");
        }

        await using JobQueue keywords = await JobQueue.OpenAsync(builder.ConnectionString);
        Assert.Equal(1, Assert.Single(await keywords.StatsAsync()).Available);
    }

    [Fact]
    public async Task A_wrong_password_fails_the_open_without_showing_either_password()
    {
        NpgsqlConnectionStringBuilder server = PostgresConnectionString.Parse(PostgresServer.ConnectionString);
        const string Wrong = "not-the-password-8f3a";
        string url = $"postgres://{server.Username}:{Wrong}@{server.Host}:{server.Port}/{server.Database}";

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => JobQueue.OpenAsync(url));

        Assert.Contains("password authentication failed", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_not_there_fails_the_open_without_showing_the_password()
    {
        const string Secret = "hunter2-ab91";

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => JobQueue.OpenAsync($"postgres://app:{Secret}@127.0.0.1:1/jobs?timeout=3"));

        Assert.IsAssignableFrom<NpgsqlException>(error);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_search_path_naming_no_schema_is_refused_with_a_clear_error()
    {
        string url = $"{PostgresServer.ConnectionString}?search_path=no_such_schema_here";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => JobQueue.OpenAsync(url));

        Assert.Contains("has no schema to create its tables in", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, error.ToString(), StringComparison.Ordinal);
    }
}
