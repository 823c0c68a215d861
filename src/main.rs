fn main() {
    println!("blastradius: work in progress");
}
