from pigwatch.cli import main

main()
