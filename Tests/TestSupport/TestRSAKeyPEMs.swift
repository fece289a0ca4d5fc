/// RSA-2048 private keys for the Google stand-in, made once with `openssl genrsa 2048` and kept here:
/// generating keys in a debug build costs seconds of CPU per key, which starved the parallel tests.
/// Test-only: they sign tokens for a local stand-in and protect nothing.
enum TestRSAKeyPEMs {
    static let all: [String] = [
        """
        -----BEGIN PRIVATE KEY-----
        MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC5ZnUGpW8VCgBT
        TO8+fIltbo+atSwgEi/xXSs7zSW62nZo4C1ZcZZXGGVuFGdYSc0zcSE6apIUPfGC
        SURxod1Nt6vwNsyOD6G7QuJVr6ZkmtgFF6hNP8CkB9PgooebXOzKM2m7Xpi6UlSj
        wR5ITs7J5y4cq7yK+ahWc0Bv6PM8MAkhVzLhous8bzAvrisu0NEsSjYsU2Y1yB1h
        4+sRledpWQVSV/FYkVpBuYi+/MYN+4FQi4ERzyzkCIdPV/olUlMzxXya17UFp/gW
        Qi5GSYqpuAGyv/jkKlHvQLTBIiwcEz6Ff7G5YFvwmb9SuU0B9H13HXxA9kLkz1Hx
        sKRMpzsXAgMBAAECggEAMiMmBJ0adCsXOW+1x0UwePqMNT9HZojklDYo6ewphuVr
        XiM5wFV6XaVIUMONyw9yQbYXUU/en0C9HgmoS76FNW41PinjmYtapmSJBrkQm2ZQ
        gtgJ+JIEC5feUYJCf95aXrgWoMgNL13ya7Je+RjuzSUKkFBVFZQ8VNyoEVuC48R3
        O7Vd2xPzrILt+I4RTjssOhVM5sqKS/lE+Wf3WuGp0lXglRiYn2wZ3r/0JWLz4aea
        M9wLOjkzJY0J+K4RSRKXk9Wlk0ta98+Kf3Kd1VIfe8VZgnyVLEOu6UI3TXJkVxkV
        MlizWHb1OMxW9dnciulu6ModAOzJjkQpvqS82fmFQQKBgQDy6087iB0vtCAWYRVe
        GHYHbASi8j0aTpRyEiZHkhZwdQ/Mr8yHosvn/WyXZEtq/SAx3QWwR+8DhTN42J6+
        DjW6Bg8sIHJMvOeZ4fSnPClq+yZaimHC8hN8spL8szTkyRcD/X8Yg4vYnlneyIgz
        QFB2z7zN1nfMjqSCzeWRy8svoQKBgQDDYjyx6JVk29U2Cf38phXD/5pzhRdObGpT
        9K73bD480KuTN4IZrDo52UTxKV0GWr9vPKiu8PTP2NPvzVjCpz2jU678Lkn85rz0
        Yk6T8HyzkPl9j1O+TdQNr98nhwxo23Nroun35/SVlSmt7GrB5MyLoHGoFrgH9yBd
        mCa3LMXPtwKBgBUysZRZWWqrRk2NpUazzcDyDSmHCAv+pXea29pNBkZEAN/0y11e
        uHqDI/HGH8qzUhbn2bI7ZMEi4439IUUmiku0caiBIFhP98n27NmXJ2odhohKISPY
        6hhsoOUKYmhAoBCKE4g5GoAJuX/2ceQ/DYaAtFImEAg6vmJnw0vIw+9hAoGAJ/8s
        PZ9HNeZqty1EeTvmqMDidVOBeeRnv9gPGUdnVjvBY9mxIGBJax43Jsc469wX5EWe
        onFhLEtO14BJ808ZJx4ybB1tt//kHoMhYteQL5I2AKYelo6IImUmYYkb2TtTXW10
        R/OL9jMa3SfQkvCrjsnBeo9sDPViAsbq5gScWfECgYB7FOZRbXGsu6jAI0oNYUQa
        TMaYstvF8QJK1z07+o5yrTja2udELnlDIDbJy4Qri5HRKzZgbvZVimcdscBBPm/4
        U2cyZI4q/gkP1zCPl2doZNdoOdDj0fgJNuJyJl2XNZwqhmZ+kzD6g9Ed2+J0Sapu
        mJLZ2KfsjkKybGJtnPRfLw==
        -----END PRIVATE KEY-----
        """,
        """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCmwvbkf11W2goR
        hz6doaWXKrdga/4Dm/+8KaGzYmO2ymHB5Ghp5XAl3kTvJ/BGBr355/hL/hfkvMZE
        XsHmwD3DRgNB5yCOui5kdLXmh6DLc0pRj+gzyR59mLapz2Zjw/AZGjez4TISJ8qG
        M8bLC6CRC6zCS7Eygiw60GLO+oa+RITqRYb4kc8O+15o96TWwR7KmVzQITfY7Ms7
        5lVs/6qI+KSroCpEJUTgGUEM4xXhwTqekNTeGSBisIG5RFGcKj+Bnw3FVOgMIOXM
        jtRSjom6AVg540AK9LXkmliZTvqEGC8dZx7Otpy068O/ODCQWHJybYTs6lo2pUqu
        wl2//tETAgMBAAECggEAFOoz4+GTd86d36fqMwPwjD6HxDiXIaXBk7xW8vQelHDa
        hOJcNBfaEm3HkIUeTfIPhpXQ3tsN7Rq99Ro7UHEA7gpMY0oVG8F/CwtWOwT8pjed
        9Q/K7B/HyrHKCw8fhNiwtr1CijVuvbcu39kDkDizmS1xK+cpYK/R00iKc/IYzyj9
        7n2SjWxeINFJULQSu3jyhsrYRaFMofOfSnaqMJ0tNeZ2UkzFHuuPMSPivMaiikB+
        uUk1EQiMsHVF40xsexfdljhAkqt1iS+Znek2noCHMxRUWRtU7JBlbsFOJ7IhaPFM
        SAIyT40441eyDF4uRWywv7pCTyR0J/Wy/SLpsD8+JQKBgQDYYWbsdFREe4b0mamA
        XnMt9o9b3pFvg2Ye8hb/xXpV+LZekrdgG+/qfIly1WqGwUnpQMfSNiZYWia/R9qO
        j0GiJdDS+HhHoS4nAhYEGysFSSMcMNvWBgmp/Dk5a8UckWUTKrMh8Xy6/BwYRqef
        ArLFCbgb9vDmTFUv9NuioK6uRwKBgQDFS7scrGumifFFcqKsVyz5KvRXC8Sww8Xk
        BTqgOTUy1KIh8eGY+PSFNSsNx43CYVNMg7T5DkXqzpfbj0GfT3yguDwWDRExmQYP
        xMsNTSue3UzRlQWrRazVZgNAkNY/dlBXCXiZWMNz+pp2EfLr6yWiDx5WfqHowpdl
        3qPx6vGw1QKBgQDVz9F7Pyvxi7p8QsbaIPphZaydFB3T+hxT4dZWINXU0/GpHAL1
        hkWZCDxta3Na+u5E/Y02K+nSDisRgjf1/JrXVdS2U23PIfbP9uC4Z/wnufBmr+Ta
        5JZyENie494fb5BX0y61EMG2pt5AIrkJiAoMZ6E0iNvcRXs76xGI7owNiwKBgA5c
        HrhNjGBItfjaCSEGD03rZHFZd+1tsl+QSd4Ti92xQEO8OTFLHXD8l6+fEKBPOSLe
        izN9aHVYqBDg8mPIA0gnYKgyN0gm3RwUtLq5HS2o6chvUkRPA+9cR2xRnmZsFBjh
        pZdzsHYmjUt+rvGg4dJTy198RAiO8ToG5GPdN84pAoGAUGz4rrpbTOYC+i7qy6lL
        E6dh72AAXTQM2E4SuqIicL8xhn34St1UNieI0xgzFkZXHGpLoHsvWSWLGHmx5Ad9
        San87QcwWHzCcnI4z99/Xam9eppj2YBTaZfIY16xSV3drWIsPOGTWw0O64U7/YS7
        8l/Gss2M0DHmZ0sE0rL9DfQ=
        -----END PRIVATE KEY-----
        """,
        """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDUJEW/tHZvf1jJ
        4PmWZDSgyEjuG2FeLz99NNNIgE1+CmVPL7y7DZWhPUwS8bEVCABgBL4CrTXeCZEO
        a3RZoiMTDOklNn9inhBRuK9xZDBteawmsYb2hklXmLQrsPqaSvId6Aig4LOWNQ/a
        dHaZSh1VKlvIq2SNxQjbKJGFctsmMgiTZbjwugFUT7qVIVGpQWUQQ+t++YsKqbuw
        7LINnMR97ABPeKW+kbKU9j8o5CcJuqd136M4wfjzwvKekt+Dy9PVLaDQe9NsR+Vf
        TBCoRepMtfUY5OOjCoebDrknwUYqMO4bAq7j4Q+bTND8ZYZxszA7rJdzYL9Po4SC
        2MMC1iH3AgMBAAECggEACS9W28F+/T3YxMjaVZIaGzoAulpyIUdPaubeHP39HO9r
        Sn3pIHoql9QVFp7jSWNSzNV3uprwQaBNaP/rBjR4a0s8TvGom0b3suoZooGxfRPv
        Ca/XBZZz13iTmG6tsv96syPIN9ryu5apjI5NUj68vWK7nZkaHe9BfmenwUzjQyiE
        Onpj2XBswYMS848saonbrsf+pjQFjq+pIArzaYCxOz5k+4XtYNwDz1D9xLc89v4V
        r//RCY5O7rz4Kd+ZKKGe5LcIVmcoUJxBkThar7OuuIMKaw45ZEatKlt+ibRVzB9f
        kp5KE5vG59e6s3DDy44v7O7eiS3r+KoBrC6gQC+EEQKBgQDtr2qbjT8tzv8ai2c4
        r8+oOZZc7TCgJIJLZd1XXAp3YFtu/73PrPWniLDvuRsEuTcUUruWZVXh4ioaG39d
        5SmC5YRU8K1fdoXgX4EZb0ctzFZa8hLxdv8k1VCYYBPbidxsWNfm5I4FzBoly9vr
        edaDE5/JTin5lQoANVIj8plYEQKBgQDkfPvaJRFXVpifzOg/WA+DT4MRxui9582v
        vquercXXSyjiVjBP1xyAZQUzfqvi6fli3KIhLpqN+Y/sPURnHoqKd2eFZT4gQav9
        YLJMhVVPRbTpZsX/Hl61ov5URx/+/1EPleGj35R96XwmMIplZMJsjEIVR5d5k0QA
        sxZCEDahhwKBgQCtffZmFoLAUDC7UngE06fS1j4gFG4C5sNIf9FBvAhTvLzg18HX
        /hrNsCPex5GmL/+5UO5mSA+ZMrmiluGwSt6zEg825PrYDK6J6YxVYXlmP5nlBn+3
        SzHP0/jhUHgOLqH7YBowCjJ0nteTMSuUxTlEMiXXDbvr1tMW9dTAMoul0QKBgQDK
        L9MJiW2b9JQgLEmD7B/mGZEpRPOlQJ9hmf7x7mG4jtjB2HTt4bNl5n7Av6HIrTSy
        h/ysEjpP0fvKl7iU65C60Mh5YUqlbpeMImoEjqQb/toFA53HkI9MecxGtZ2Zn0KS
        4RWHVoxnExp6DNAawxvMxByiCfT/bxJo8BCNKx28twKBgBeB/GfoM48AYE1fkFmy
        WdW9ZdsD7xxangecROJ7PrDcI22cSsGdI3BqYVfRjn4oYNmJrGRXf5hJ0joBMjlg
        eSevzC2ZlgGshDqSQlov884vfpgnbk5Vb8hC2BrItyLM9/vacfadO0WGF8x85Kyk
        3fwcnMqHG1KhRhHLgtd3vaEs
        -----END PRIVATE KEY-----
        """,
        """
        -----BEGIN PRIVATE KEY-----
        MIIEugIBADANBgkqhkiG9w0BAQEFAASCBKQwggSgAgEAAoIBAQC8KhLefHAnrszU
        k64Juvx/kEeWqzrqc+9s9R/yKRcrrCs1jgIMXOH0L24pv4dPHuNw7Wf73+CA+Ljn
        4+Hc5ndxF9UB9LbdDkmm7/EWY6BoS7/OS4sZGwhWOgyP6hpPxYz94VeGeG2Qp8i/
        j49cCzuVU74xELmeMttTG/PHw/2nG0HugMjnRX7Z5jDI3xUv+/jKOnO+LLFmgZSn
        VaUndXM7wmqs6PqfNyIMRqw2qD+2DKJQibg5hwkffW9jO1n14QC6awN1DLEQvKSy
        OkjE/ViIjZz+Npg0U+ISQLgA0o2Y7+7XZYAXYmNgU9i0gGz6cQD2w8ucGrtJdMq8
        HNl3H517AgMBAAECgf9jOcy5huWeB4/8ieQ9PV3p5yvZSHLJMFoSGzG9ge22GhSv
        KTPrUQ/WtSxi152DG8bUxl0Pdf/uAzt/Da0N0HssKGUrouDLsb0lS2LXa7IrTcbY
        Av5XPuomjnYRbmJxrrurJioBv4AHyHMUkaAH6eSB2qdxOGCqDCecrCDiN3iLpewK
        j+lqDNZt1FhBA3mTdEOZyhbAw49NGkCoShZSzARCbiP0T2qpJplhyfdLwIkjFYPs
        W9qYIsr4HqJ0v4Oa234QoXUboVNdyqM9aBDdzxolPNnohNCRtQ00Lz2AmHZrGEMY
        xFu/p/KdDnVXT/u3BKHSmDdbPQV390f8TxNxmJECgYEA69sAKwbUPb03IbEKb0i8
        DLgLVnHCCjC5S1uafUQGpxD3dbbjOny1XnB6tUF0youRRvjnIDPdQipLqzpYnNbU
        2kKO3U/1WT/UyHMx6IO6lj7eWP5caJJ4OVsbFiMU/4NV/5SXG0qOYyUt/2xLra8h
        tADBfxwf4W4e0cExM4o4hLkCgYEAzDxNgXodVvV+LywCrF7Z01CpEORmRHqwew4F
        mIELi5YIxrh8g4IkWk1QC6f8yNAuRJKotI43Q+n7hmLx9zyvDBE5+SEh5gt3+KGO
        buhfQ1KFja2cIjD8nYGaXEwJeTLimZB/yFNwEq7QYQ/AdUlpMNGMp511ZNeRO3FE
        qEpxgdMCgYBWToebNx6HkSwRiiWVX3pg9SBA+9PTwsyrhNPdrvz4Ob80Nj6kcmo0
        KtjcZx2D2NrKq9537EK1KaETAYDXs82kKOL6nX3csPz+dRj4SuwGeu8Ghd3u7lpM
        MsiQqznN3pOjuQ4qkHfWVA6m/0waPJIKupQUHYiVB6UDgLyubZANEQKBgCNvlxcP
        BAYxhBpVLYWQ04SJqzvmFSRukS5YqXnjcghfGNi568i5jOsqHOhY1lBVZqG5PJJP
        VqFu+JhBlLAMFGcomgFy0Tnj5YX7KgZuRREeQVPquntoOnxtn0XCX6ZqwMxaOQGe
        EIT9VeRxYjg3a4vv39K5TEQZ7vX8WihE+lrHAoGADcx4acWcKewIKUzqqge+ajsc
        KdX/4AX7EKaB2g6FnGxsLaQhHYVPa+7s5I6YFeHFNDK4Kfjv+oYqdiMSIrElTBR3
        zs7j7osIZS5n+B2+6pKhk5t2a/xpBpzFr1Wn361jmga2OjoMrdryR8MPSWZz7WLH
        vGhqcZdLtXGWxAGuXEg=
        -----END PRIVATE KEY-----
        """,
    ]
}
