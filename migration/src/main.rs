//! Migration CLI: `cargo run -p migration -- up|down|status|fresh|refresh|reset`, against the
//! database named by `DATABASE_URL` (or `-u <url>`).

#[tokio::main]
async fn main() {
    sea_orm_migration::cli::run_cli(migration::Migrator).await;
}
