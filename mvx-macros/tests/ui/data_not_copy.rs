use mvx_macros::mvx_sync;

#[mvx_sync(data(names, 2))]
fn fill(names: &mut [String]) {
    names[0] = "a".into();
}

fn main() {
    fill(&mut [String::new(), String::new()]);
}
